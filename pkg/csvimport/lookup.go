package csvimport

import (
	"strings"

	"github.com/sundflow/sundflow/pkg/refcode"
)

// Lookups a field can name: spreadsheets write names where the contract
// wants codes.
const (
	// LookupMunicipality turns a Danish or Swedish municipality name or
	// code into its code (Helsingør -> 217, Helsingborg -> 1283), in the
	// country the sibling country field names.
	LookupMunicipality = "municipality"
	// LookupCountry turns a country name in Danish, Swedish or English
	// (Danmark, Sverige, Norway) into its ISO 3166-1 alpha-2 code.
	LookupCountry = "country"
	// LookupSector turns a focus area's name in English, Danish or Swedish
	// (as pkg/refcode lists them) into the contract's sector code.
	LookupSector = "sector"
)

// RuleLookup is broken by a cell that names no known code.
const RuleLookup = "lookup"

var countryNames = map[string]string{}

func init() {
	for code, names := range map[string][]string{
		"DK": {"danmark", "denmark", "dänemark"},
		"SE": {"sverige", "sweden", "schweden"},
		"NO": {"norge", "norway", "norwegen"},
		"FI": {"finland", "suomi"},
		"IS": {"island", "iceland"},
		"DE": {"tyskland", "germany", "deutschland"},
		"PL": {"polen", "poland", "polska"},
		"GB": {"storbritannien", "united kingdom", "england"},
	} {
		for _, n := range names {
			countryNames[n] = code
		}
	}
}

func lookupCountry(s string) (string, bool) {
	if c, ok := countryNames[normValue(s)]; ok {
		return c, true
	}
	up := strings.ToUpper(strings.TrimSpace(s))
	if refcode.IsCountry(up) {
		return up, true
	}
	return "", false
}

func lookupSector(s string) (string, bool) {
	n := normValue(s)
	for _, f := range refcode.FocusAreas() {
		for _, l := range []string{f.Code, f.LabelEN, f.LabelDA, f.LabelSV} {
			if normValue(l) == n {
				return f.Code, true
			}
		}
	}
	return "", false
}

// lookupMunicipality resolves a name or code in country (DK, SE, or ""
// for either, when the name is unique across both).
func lookupMunicipality(s, country string) (string, bool) {
	s = strings.TrimSpace(s)
	if country != "" && country != refcode.Denmark && country != refcode.Sweden {
		return s, true // other countries' codes are kept as sent
	}
	if country == "" || country == refcode.Denmark {
		if m, ok := refcode.DKMunicipality(refcode.NormalizeDKMunicipality(s)); ok && country != "" {
			return m.Code, true
		}
	}
	if country == "" || country == refcode.Sweden {
		if m, ok := refcode.SEMunicipality(s); ok && country != "" {
			return m.Code, true
		}
	}
	n := normValue(s)
	var found []string
	if country == "" || country == refcode.Denmark {
		for _, m := range refcode.DKMunicipalities() {
			if normValue(m.Name) == n || (country == "" && m.Code == refcode.NormalizeDKMunicipality(s)) {
				found = append(found, m.Code)
			}
		}
	}
	if country == "" || country == refcode.Sweden {
		for _, m := range refcode.SEMunicipalities() {
			if normValue(m.Name) == n || (country == "" && m.Code == s) {
				found = append(found, m.Code)
			}
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}
