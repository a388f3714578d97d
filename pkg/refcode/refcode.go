package refcode

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

//go:embed data/*.csv
var files embed.FS

// Country codes of the two countries sundflow checks municipalities for.
const (
	Denmark = "DK"
	Sweden  = "SE"
)

// IsCountry reports whether code is an officially assigned ISO 3166-1
// alpha-2 code (249 of them), written exactly as the standard does: two
// upper-case letters. The region data is CLDR's, through
// golang.org/x/text/language; it also knows deprecated codes, which
// canonicalise to their successor (UK to GB, DD to DE) and are refused,
// and the codes in [notAssigned].
func IsCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	return countries[int(code[0]-'A')*26+int(code[1]-'A')]
}

// countries holds the answer of isCountry for every pair of upper-case
// letters: the event validator asks for every place of every event, and
// the CLDR lookup behind it took a microsecond each time.
var countries = func() (t [26 * 26]bool) {
	for i := range t {
		t[i] = isCountry(string([]byte{byte('A' + i/26), byte('A' + i%26)}))
	}
	return t
}()

// isCountry decides for two upper-case letters.
func isCountry(code string) bool {
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.Canonicalize().String() != code {
		return false
	}
	return !strings.Contains(notAssigned, code)
}

// notAssigned lists codes CLDR treats as regions that ISO 3166-1 does
// not assign to a country: exceptionally reserved (AC, CP, CQ, DG, EA,
// IC, TA), transitionally reserved after withdrawal (AN, CS, NT, SU, YU),
// historical (FQ, PC), and CLDR's own or user-assigned (EZ, UN, XK).
const notAssigned = "AC AN CP CQ CS DG EA EZ FQ IC NT PC SU TA UN XK YU"

// Municipality is a Danish kommune or a Swedish kommun.
type Municipality struct {
	Country    string // DK or SE
	Code       string // DK kommunekode, 3 digits (101); SE kommunkod, 4 digits (1283)
	Name       string
	RegionCode string // DK region (1084 Hovedstaden); SE län (12 Skåne)
	RegionName string
	ConceptID  string // SE only: the JobTech taxonomy concept id
}

// Region is a Danish region or a Swedish län.
type Region struct {
	Country   string
	Code      string
	Name      string
	ConceptID string // SE only: the JobTech taxonomy concept id
}

// ISCOLevel is the level of an ISCO-08 group.
type ISCOLevel string

// The four levels of ISCO-08; the code has as many digits as the level's
// number (major 1 digit, unit group 4).
const (
	ISCOMajor    ISCOLevel = "major"
	ISCOSubMajor ISCOLevel = "sub-major"
	ISCOMinor    ISCOLevel = "minor"
	ISCOUnit     ISCOLevel = "unit"
)

// ISCOGroup is a group of ISCO-08 at any level.
type ISCOGroup struct {
	Code  string
	Level ISCOLevel
	Label string // English, as the ILO publishes it
}

// SSYKGroup is a Swedish SSYK 2012 unit group.
type SSYKGroup struct {
	Code      string // 4 digits
	Label     string // Swedish
	ConceptID string // JobTech taxonomy concept id of the occupation group
}

// FocusArea is a sector the projects target; Code is the event
// contract's sector value.
type FocusArea struct {
	Code    string
	LabelEN string
	LabelDA string
	LabelSV string
}

// The lists, read once from the embedded files. A malformed embedded file
// is a build defect, so reading panics; the package tests read them all.
var (
	dkMunicipalities []Municipality
	seMunicipalities []Municipality
	dkRegions        []Region
	seCounties       []Region
	iscoGroups       []ISCOGroup
	ssykGroups       []SSYKGroup
	focusAreas       []FocusArea

	dkByCode, seByCode, seByConcept map[string]Municipality
	countyByCode, countyByConcept   map[string]Region
	iscoByCode                      map[string]ISCOGroup
	ssykByCode, ssykByConcept       map[string]SSYKGroup
	focusByCode                     map[string]FocusArea
)

func init() {
	dkByCode = map[string]Municipality{}
	regions := map[string]bool{}
	for _, r := range mustRead("dk-municipalities.csv", "kommunekode", "name", "region_code", "region_name") {
		m := Municipality{Country: Denmark, Code: r[0], Name: r[1], RegionCode: r[2], RegionName: r[3]}
		dkMunicipalities = append(dkMunicipalities, m)
		dkByCode[m.Code] = m
		if !regions[m.RegionCode] {
			regions[m.RegionCode] = true
			dkRegions = append(dkRegions, Region{Country: Denmark, Code: m.RegionCode, Name: m.RegionName})
		}
	}
	slices.SortFunc(dkRegions, func(a, b Region) int { return strings.Compare(a.Code, b.Code) })

	seByCode, seByConcept = map[string]Municipality{}, map[string]Municipality{}
	for _, r := range mustRead("se-municipalities.csv", "kommunkod", "name", "lan_code", "lan_name", "jobtech_concept_id") {
		m := Municipality{Country: Sweden, Code: r[0], Name: r[1], RegionCode: r[2], RegionName: r[3], ConceptID: r[4]}
		seMunicipalities = append(seMunicipalities, m)
		seByCode[m.Code] = m
		seByConcept[m.ConceptID] = m
	}

	countyByCode, countyByConcept = map[string]Region{}, map[string]Region{}
	for _, r := range mustRead("se-counties.csv", "lan_code", "name", "jobtech_concept_id") {
		c := Region{Country: Sweden, Code: r[0], Name: r[1], ConceptID: r[2]}
		seCounties = append(seCounties, c)
		countyByCode[c.Code] = c
		countyByConcept[c.ConceptID] = c
	}

	iscoByCode = map[string]ISCOGroup{}
	for _, r := range mustRead("isco08.csv", "code", "level", "label_en") {
		g := ISCOGroup{Code: r[0], Level: ISCOLevel(r[1]), Label: r[2]}
		iscoGroups = append(iscoGroups, g)
		iscoByCode[g.Code] = g
	}

	ssykByCode, ssykByConcept = map[string]SSYKGroup{}, map[string]SSYKGroup{}
	for _, r := range mustRead("ssyk2012-unit-groups.csv", "ssyk_code", "label_sv", "jobtech_concept_id") {
		g := SSYKGroup{Code: r[0], Label: r[1], ConceptID: r[2]}
		ssykGroups = append(ssykGroups, g)
		ssykByCode[g.Code] = g
		ssykByConcept[g.ConceptID] = g
	}

	focusByCode = map[string]FocusArea{}
	for _, r := range mustRead("focus-areas.csv", "code", "label_en", "label_da", "label_sv") {
		f := FocusArea{Code: r[0], LabelEN: r[1], LabelDA: r[2], LabelSV: r[3]}
		focusAreas = append(focusAreas, f)
		focusByCode[f.Code] = f
	}
}

// mustRead reads an embedded CSV file whose header must be exactly
// header, and returns its rows without the header.
func mustRead(name string, header ...string) [][]string {
	rows, err := read(name, header)
	if err != nil {
		panic(fmt.Sprintf("refcode: embedded %s: %v", name, err))
	}
	return rows
}

func read(name string, header []string) ([][]string, error) {
	f, err := files.Open("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = len(header)
	got, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !slices.Equal(got, header) {
		return nil, fmt.Errorf("header is %q, want %q", got, header)
	}
	var rows [][]string
	for {
		r, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		for i := range r {
			r[i] = strings.TrimSpace(r[i])
		}
		rows = append(rows, r)
	}
}

// DKMunicipality looks up a Danish kommunekode in its 3-digit form
// (101 København, 217 Helsingør). The 4-digit form with a leading zero
// that DAWA writes (0101) is not accepted: the contract keeps one
// spelling per municipality so figures do not split in two; adapters
// convert with [NormalizeDKMunicipality].
func DKMunicipality(code string) (Municipality, bool) {
	m, ok := dkByCode[code]
	return m, ok
}

// NormalizeDKMunicipality turns DAWA's 4-digit spelling (0217) into the
// contract's 3-digit kommunekode (217); other input is returned as is.
func NormalizeDKMunicipality(code string) string {
	if len(code) == 4 && code[0] == '0' {
		return code[1:]
	}
	return code
}

// SEMunicipality looks up a Swedish kommunkod (4 digits, 1283 Helsingborg).
func SEMunicipality(code string) (Municipality, bool) {
	m, ok := seByCode[code]
	return m, ok
}

// SEMunicipalityByConcept looks up a Swedish municipality by its JobTech
// taxonomy concept id, the only municipality reference a removed
// JobStream ad carries.
func SEMunicipalityByConcept(id string) (Municipality, bool) {
	m, ok := seByConcept[id]
	return m, ok
}

// SECounty looks up a Swedish län by its 2-digit code (12 Skåne).
func SECounty(code string) (Region, bool) {
	c, ok := countyByCode[code]
	return c, ok
}

// SECountyByConcept looks up a Swedish län by its JobTech concept id.
func SECountyByConcept(id string) (Region, bool) {
	c, ok := countyByConcept[id]
	return c, ok
}

// DKRegion looks up a Danish region by its code (1084 Hovedstaden).
func DKRegion(code string) (Region, bool) {
	for _, r := range dkRegions {
		if r.Code == code {
			return r, true
		}
	}
	return Region{}, false
}

// ISCO looks up an ISCO-08 group at any level: 1 digit (major group) to
// 4 digits (unit group).
func ISCO(code string) (ISCOGroup, bool) {
	g, ok := iscoByCode[code]
	return g, ok
}

// SSYK looks up an SSYK 2012 unit group by its 4-digit code.
func SSYK(code string) (SSYKGroup, bool) {
	g, ok := ssykByCode[code]
	return g, ok
}

// SSYKByConcept looks up an SSYK 2012 unit group by the JobTech concept
// id of the occupation group.
func SSYKByConcept(id string) (SSYKGroup, bool) {
	g, ok := ssykByConcept[id]
	return g, ok
}

// LookupFocusArea looks up a focus area by its sector code.
func LookupFocusArea(code string) (FocusArea, bool) {
	f, ok := focusByCode[code]
	return f, ok
}

// DKMunicipalities lists the 98 Danish municipalities by code order of
// the source file. The slice is a copy.
func DKMunicipalities() []Municipality { return slices.Clone(dkMunicipalities) }

// SEMunicipalities lists the 290 Swedish municipalities.
func SEMunicipalities() []Municipality { return slices.Clone(seMunicipalities) }

// DKRegions lists the 5 Danish regions by code.
func DKRegions() []Region { return slices.Clone(dkRegions) }

// SECounties lists the Swedish län, including JobTech's 90
// "Ospecificerad".
func SECounties() []Region { return slices.Clone(seCounties) }

// ISCOGroups lists every ISCO-08 group, each major group followed by its
// subgroups.
func ISCOGroups() []ISCOGroup { return slices.Clone(iscoGroups) }

// SSYKGroups lists the SSYK 2012 unit groups.
func SSYKGroups() []SSYKGroup { return slices.Clone(ssykGroups) }

// FocusAreas lists the focus areas in display order.
func FocusAreas() []FocusArea { return slices.Clone(focusAreas) }
