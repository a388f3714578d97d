package jobtech

import (
	"strings"
	"time"
	"unicode/utf8"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/refcode"
)

// Skip reasons: why an ad became no event. They are a small fixed set
// (metric labels, report lines).
const (
	SkipMalformed     = "malformed"      // the ad is not a JSON object of the JobStream shape
	SkipNoID          = "no_id"          // no ad id
	SkipNoEmployer    = "no_employer"    // a live ad without an employer name
	SkipNoOccupation  = "no_occupation"  // no SSYK occupation group, by code or concept id
	SkipNoCountry     = "no_country"     // workplace country unknown
	SkipNoDate        = "no_date"        // no publication date (live) or removal date (removed)
	SkipOutsideFilter = "outside_filter" // outside the --lan / --municipality filter
	SkipInvalid       = "invalid"        // the event broke the contract (a bug here or odd data)
)

// Notes: something was filled in or left out, but the ad became an event.
const (
	NoteNoMunicipality    = "no_municipality"     // workplace municipality unknown; country only
	NotePositionsDefault  = "positions_defaulted" // number_of_vacancies missing or < 1; 1 used
	NoteRegistrationOmit  = "registration_omitted"
	NoteRemovalGuessed    = "removal_reason_guessed" // no last publication date known
	NoteDeadlineDropped   = "deadline_dropped"       // deadline before publication
	NoteHeadlineTruncated = "headline_truncated"
)

// Converter turns ads into events. It remembers the dates of live ads it
// has seen, so that a removal later in the same stream gets the right
// reason; use one Converter per stream.
type Converter struct {
	// Source is the events' CloudEvents source (default
	// /se/arbetsformedlingen/jobstream).
	Source string
	// Projects are put on every vacancy.published, when set.
	Projects []string
	// Lan keeps only ads whose workplace is in these Swedish län (2-digit
	// codes, e.g. 12 Skåne); Municipalities only those in these
	// kommunkoder. Both empty: every ad.
	Lan, Municipalities []string
	// UnknownReason is the closing reason when a removed ad's last
	// publication date is unknown: withdrawn (default) or expired.
	UnknownReason string

	seen map[string]liveFacts
}

// liveFacts are what a removal needs to know about the live ad.
type liveFacts struct {
	published, last string // dates
	positions       int
}

func (c *Converter) defaults() {
	if c.Source == "" {
		c.Source = "/se/arbetsformedlingen/jobstream"
	}
	if c.UnknownReason == "" {
		c.UnknownReason = "withdrawn"
	}
	if c.seen == nil {
		c.seen = map[string]liveFacts{}
	}
}

// Outcome is what became of one ad.
type Outcome struct {
	Event ce.Event // zero when Skip is set
	Skip  string   // a Skip* reason, or ""
	Notes []string // Note* values
	// Reason is the closing reason of a vacancy.closed: expired,
	// withdrawn; with NoteRemovalGuessed when it was not known.
	Reason string
}

// Convert builds the event for one ad (not yet validated).
func (c *Converter) Convert(ad Ad) Outcome {
	c.defaults()
	id := string(ad.ID)
	if id == "" {
		return Outcome{Skip: SkipNoID}
	}
	if ad.Removed {
		return c.closed(ad)
	}
	return c.published(ad)
}

func (c *Converter) published(ad Ad) Outcome {
	var out Outcome
	id := string(ad.ID)
	ssyk := occupationCode(ad.OccupationGroup)
	if ssyk == "" {
		return Outcome{Skip: SkipNoOccupation}
	}
	place, ok := workplace(ad.WorkplaceAddress)
	if !ok {
		return Outcome{Skip: SkipNoCountry}
	}
	if !c.keep(place.Country, place.Municipality, addressLan(ad.WorkplaceAddress)) {
		return Outcome{Skip: SkipOutsideFilter}
	}
	if place.Municipality == "" {
		out.Notes = append(out.Notes, NoteNoMunicipality)
	}
	employer := event.Employer{Country: refcode.Sweden}
	if ad.Employer != nil {
		employer.Name = string(ad.Employer.Name)
		if employer.Name == "" {
			employer.Name = string(ad.Employer.Workplace)
		}
		if reg := orgnr(string(ad.Employer.OrganizationNumber)); reg != "" {
			employer.RegistrationNumber = reg
		} else if ad.Employer.OrganizationNumber != "" {
			out.Notes = append(out.Notes, NoteRegistrationOmit)
		}
	}
	if employer.Name == "" {
		return Outcome{Skip: SkipNoEmployer}
	}
	employer.Name = truncate(employer.Name, 200)
	pub, ok := ad.PublicationDate.when()
	if !ok {
		if pub, ok = millis(ad.Timestamp); !ok {
			return Outcome{Skip: SkipNoDate}
		}
	}
	positions := 1
	if n := ad.NumberOfVacancies; n != nil && *n >= 1 && *n <= 10000 {
		positions = int(*n)
	} else {
		out.Notes = append(out.Notes, NotePositionsDefault)
	}
	d := event.VacancyPublishedData{
		VacancyID:  id,
		Employer:   employer,
		Workplace:  place,
		Occupation: event.Occupation{ISCO: ISCOOf(ssyk), SSYK: ssyk},
		Sector:     SectorOf(ssyk),
		Positions:  positions,
		Published:  pub.Format(time.DateOnly),
		Projects:   c.Projects,
	}
	if h := string(ad.Headline); h != "" {
		d.Title = truncate(h, 300)
		if d.Title != h {
			out.Notes = append(out.Notes, NoteHeadlineTruncated)
		}
	}
	if dl, ok := ad.ApplicationDeadline.when(); ok {
		if dl.Format(time.DateOnly) >= d.Published {
			d.Deadline = dl.Format(time.DateOnly)
		} else {
			out.Notes = append(out.Notes, NoteDeadlineDropped)
		}
	}
	last := lastDate(ad)
	c.seen[id] = liveFacts{published: d.Published, last: last, positions: positions}
	e, err := event.New(event.VacancyPublished, c.Source, "ad-"+id+"-published", pub, d)
	if err != nil {
		return Outcome{Skip: SkipInvalid}
	}
	out.Event = e
	return out
}

func (c *Converter) closed(ad Ad) Outcome {
	var out Outcome
	id := string(ad.ID)
	removed, ok := ad.RemovedDate.when()
	if !ok {
		if removed, ok = millis(ad.Timestamp); !ok {
			return Outcome{Skip: SkipNoDate}
		}
	}
	if len(c.Lan) > 0 || len(c.Municipalities) > 0 {
		if !c.keep(removedPlace(ad)) {
			return Outcome{Skip: SkipOutsideFilter}
		}
	}
	closed := removed.Format(time.DateOnly)
	facts := c.seen[id]
	if p, ok := ad.PublicationDate.when(); ok {
		facts.published = p.Format(time.DateOnly)
	}
	if l := lastDate(ad); l != "" {
		facts.last = l
	}
	if n := ad.NumberOfVacancies; n != nil && *n >= 1 && *n <= 10000 {
		facts.positions = int(*n)
	}
	switch {
	case facts.last == "":
		out.Reason = c.UnknownReason
		out.Notes = append(out.Notes, NoteRemovalGuessed)
	case closed >= facts.last:
		out.Reason = "expired"
	default:
		out.Reason = "withdrawn"
	}
	d := event.VacancyClosedData{VacancyID: id, Reason: out.Reason, Closed: closed, Positions: facts.positions}
	if facts.published != "" && facts.published <= closed {
		d.Published = facts.published
	}
	e, err := event.New(event.VacancyClosed, c.Source, "ad-"+id+"-closed", removed, d)
	if err != nil {
		return Outcome{Skip: SkipInvalid}
	}
	out.Event = e
	return out
}

// lastDate is the last day an ad was to be shown.
func lastDate(ad Ad) string {
	for _, t := range []text{ad.LastPublicationDate, ad.ApplicationDeadline} {
		if v, ok := t.when(); ok {
			return v.Format(time.DateOnly)
		}
	}
	return ""
}

// occupationCode is the SSYK 2012 unit group of an occupation_group: its
// legacy id when that is a known SSYK code, else the code its concept id
// names.
func occupationCode(c concept) string {
	if g, ok := refcode.SSYK(string(c.LegacyID)); ok {
		return g.Code
	}
	if g, ok := refcode.SSYKByConcept(string(c.ConceptID)); ok {
		return g.Code
	}
	return ""
}

// countryLabels are the workplace_address.country labels and legacy codes
// seen in JobStream, to ISO 3166-1 alpha-2.
var countryLabels = map[string]string{
	"01": "SE", "sverige": "SE", "sweden": "SE",
	"danmark": "DK", "denmark": "DK",
	"norge": "NO", "norway": "NO",
	"finland": "FI", "island": "IS", "tyskland": "DE",
}

// workplace reads the workplace country and, for Sweden, the kommunkod.
func workplace(a *workplaceAddress) (event.Place, bool) {
	if a == nil {
		return event.Place{}, false
	}
	country := ""
	for _, v := range []text{a.CountryCode, a.Country} {
		s := strings.ToLower(strings.TrimSpace(string(v)))
		if c, ok := countryLabels[s]; ok {
			country = c
			break
		}
		if up := strings.ToUpper(s); len(up) == 2 && refcode.IsCountry(up) {
			country = up
			break
		}
	}
	mun := seMunicipality(a)
	if country == "" && mun != "" {
		country = refcode.Sweden // a Swedish kommunkod says where it is
	}
	if country == "" {
		return event.Place{}, false
	}
	p := event.Place{Country: country}
	if country == refcode.Sweden {
		p.Municipality = mun
	}
	return p, true
}

// seMunicipality finds the kommunkod by code, concept id or name.
func seMunicipality(a *workplaceAddress) string {
	if m, ok := refcode.SEMunicipality(string(a.MunicipalityCode)); ok {
		return m.Code
	}
	if m, ok := refcode.SEMunicipalityByConcept(string(a.MunicipalityConceptID)); ok {
		return m.Code
	}
	if name := strings.TrimSpace(string(a.Municipality)); name != "" {
		for _, m := range refcode.SEMunicipalities() {
			if strings.EqualFold(m.Name, name) {
				return m.Code
			}
		}
	}
	return ""
}

// removedPlace reads a removed ad's country, kommunkod and län from its
// concept ids (short shape) or its workplace_address (full shape).
func removedPlace(ad Ad) (country, municipality, lan string) {
	if m, ok := refcode.SEMunicipalityByConcept(string(ad.Municipality.ConceptID)); ok {
		return refcode.Sweden, m.Code, m.RegionCode
	}
	if p, ok := workplace(ad.WorkplaceAddress); ok {
		return p.Country, p.Municipality, addressLan(ad.WorkplaceAddress)
	}
	if r, ok := refcode.SECountyByConcept(string(ad.Region.ConceptID)); ok {
		return refcode.Sweden, "", r.Code
	}
	return "", "", ""
}

// addressLan is the län of a workplace address, by its municipality,
// region code or region concept id.
func addressLan(a *workplaceAddress) string {
	if a == nil {
		return ""
	}
	if m := seMunicipality(a); m != "" {
		mm, _ := refcode.SEMunicipality(m)
		return mm.RegionCode
	}
	if r, ok := refcode.SECounty(string(a.RegionCode)); ok {
		return r.Code
	}
	if r, ok := refcode.SECountyByConcept(string(a.RegionConceptID)); ok {
		return r.Code
	}
	return ""
}

// keep applies the län / municipality filter to a Swedish workplace.
func (c *Converter) keep(country, mun, lan string) bool {
	if len(c.Lan) == 0 && len(c.Municipalities) == 0 {
		return true
	}
	if country != refcode.Sweden {
		return false
	}
	for _, m := range c.Municipalities {
		if m == mun && mun != "" {
			return true
		}
	}
	for _, l := range c.Lan {
		if l == lan && lan != "" {
			return true
		}
	}
	return false
}

// orgnr cleans an organisationsnummer to 10 digits with the hyphen after
// the sixth, or "" when it is not one.
func orgnr(s string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '-' || r == ' ' {
			return -1
		}
		return 'x'
	}, s)
	if len(d) == 12 && (strings.HasPrefix(d, "16")) {
		d = d[2:] // the 12-digit form with century prefix 16
	}
	if len(d) != 10 || strings.Contains(d, "x") {
		return ""
	}
	return d
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
