package refcode

import (
	"strings"
	"testing"
)

func TestListSizes(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"DK municipalities", len(DKMunicipalities()), 98},
		{"SE municipalities", len(SEMunicipalities()), 290},
		{"SE counties", len(SECounties()), 22},
		{"DK regions", len(DKRegions()), 5},
		{"ISCO-08 groups", len(ISCOGroups()), 619},
		{"SSYK 2012 unit groups", len(SSYKGroups()), 400},
		{"focus areas", len(FocusAreas()), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d entries, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestISCOLevels(t *testing.T) {
	count := map[ISCOLevel]int{}
	for _, g := range ISCOGroups() {
		count[g.Level]++
		if len(g.Code) != map[ISCOLevel]int{ISCOMajor: 1, ISCOSubMajor: 2, ISCOMinor: 3, ISCOUnit: 4}[g.Level] {
			t.Errorf("ISCO %s: %d digits for level %s", g.Code, len(g.Code), g.Level)
		}
		if g.Label == "" {
			t.Errorf("ISCO %s has no label", g.Code)
		}
		if len(g.Code) > 1 {
			if _, ok := ISCO(g.Code[:len(g.Code)-1]); !ok {
				t.Errorf("ISCO %s: parent group %s missing", g.Code, g.Code[:len(g.Code)-1])
			}
		}
	}
	want := map[ISCOLevel]int{ISCOMajor: 10, ISCOSubMajor: 43, ISCOMinor: 130, ISCOUnit: 436}
	for l, n := range want {
		if count[l] != n {
			t.Errorf("%s groups: got %d, want %d", l, count[l], n)
		}
	}
}

func TestLookups(t *testing.T) {
	tests := []struct {
		name     string
		lookup   func() (string, bool)
		wantName string
		wantOK   bool
	}{
		{"DK Helsingør", func() (string, bool) { m, ok := DKMunicipality("217"); return m.Name + "/" + m.RegionCode, ok }, "Helsingør/1084", true},
		{"DK København", func() (string, bool) { m, ok := DKMunicipality("101"); return m.Name, ok }, "København", true},
		{"DK Køge in Sjælland", func() (string, bool) { m, ok := DKMunicipality("259"); return m.RegionName, ok }, "Region Sjælland", true},
		{"DK DAWA form not accepted", func() (string, bool) { m, ok := DKMunicipality("0217"); return m.Name, ok }, "", false},
		{"DK unknown", func() (string, bool) { m, ok := DKMunicipality("999"); return m.Name, ok }, "", false},
		{"SE Helsingborg", func() (string, bool) { m, ok := SEMunicipality("1283"); return m.Name + "/" + m.RegionCode, ok }, "Helsingborg/12", true},
		{"SE Stockholm by concept", func() (string, bool) {
			m, _ := SEMunicipality("0180")
			got, ok := SEMunicipalityByConcept(m.ConceptID)
			return got.Code, ok && m.ConceptID != ""
		}, "0180", true},
		{"SE Skåne county", func() (string, bool) { c, ok := SECounty("12"); return c.Name, ok }, "Skåne län", true},
		{"SE county by concept", func() (string, bool) { c, ok := SECountyByConcept("CifL_Rzy_Mku"); return c.Code, ok }, "01", true},
		{"DK region Hovedstaden", func() (string, bool) { r, ok := DKRegion("1084"); return r.Name, ok }, "Region Hovedstaden", true},
		{"DK region Sjælland", func() (string, bool) { r, ok := DKRegion("1085"); return r.Name, ok }, "Region Sjælland", true},
		{"ISCO major 2", func() (string, bool) { g, ok := ISCO("2"); return string(g.Level), ok }, "major", true},
		{"ISCO unit 2512", func() (string, bool) { g, ok := ISCO("2512"); return g.Label, ok }, "Software Developers", true},
		{"ISCO unknown", func() (string, bool) { g, ok := ISCO("9999"); return g.Label, ok }, "", false},
		{"SSYK 2512 (JobTech sample)", func() (string, bool) { g, ok := SSYK("2512"); return g.ConceptID, ok }, "DJh5_yyF_hEM", true},
		{"SSYK by JobTech concept", func() (string, bool) { g, ok := SSYKByConcept("DJh5_yyF_hEM"); return g.Code, ok }, "2512", true},
		{"focus area", func() (string, bool) { f, ok := LookupFocusArea("health_care"); return f.LabelEN, ok }, "Social and health care", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.lookup()
			if ok != tt.wantOK || got != tt.wantName {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.wantName, tt.wantOK)
			}
		})
	}
}

func TestCodeShapes(t *testing.T) {
	for _, m := range DKMunicipalities() {
		if len(m.Code) != 3 || strings.Trim(m.Code, "0123456789") != "" || m.Name == "" {
			t.Errorf("DK municipality %+v: want a 3-digit code and a name", m)
		}
		if _, ok := DKRegion(m.RegionCode); !ok {
			t.Errorf("DK municipality %s: region %s unknown", m.Code, m.RegionCode)
		}
	}
	for _, m := range SEMunicipalities() {
		if len(m.Code) != 4 || strings.Trim(m.Code, "0123456789") != "" || m.ConceptID == "" {
			t.Errorf("SE municipality %+v: want a 4-digit code and a concept id", m)
		}
		if m.Code[:2] != m.RegionCode {
			t.Errorf("SE municipality %s: län %s, want the code's first two digits", m.Code, m.RegionCode)
		}
	}
	for _, g := range SSYKGroups() {
		if len(g.Code) != 4 || g.ConceptID == "" {
			t.Errorf("SSYK %+v: want 4 digits and a concept id", g)
		}
		if _, ok := ISCO(g.Code[:1]); !ok {
			t.Errorf("SSYK %s: first digit is no ISCO-08 major group", g.Code)
		}
	}
	for _, f := range FocusAreas() {
		if f.LabelEN == "" || f.LabelDA == "" || f.LabelSV == "" {
			t.Errorf("focus area %+v: want three labels", f)
		}
	}
}

func TestIsCountry(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"DK", true}, {"SE", true}, {"NO", true}, {"DE", true}, {"FI", true}, {"IS", true}, {"PL", true},
		{"dk", false}, {"Dk", false}, {"DNK", false}, {"", false}, {"D", false},
		{"UK", false}, // deprecated: GB is the code
		{"EU", false}, {"ZZ", false}, {"QO", false}, {"AA", false}, {"XX", false},
		{"001", false}, {"1A", false},
		{"DD", false}, {"YU", false}, {"XK", false}, {"AC", false}, {"GB", true}, {"GL", true}, {"FO", true}, {"AX", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsCountry(tt.in); got != tt.want {
				t.Errorf("IsCountry(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeDKMunicipality(t *testing.T) {
	tests := []struct{ in, want string }{{"0217", "217"}, {"217", "217"}, {"1283", "1283"}, {"", ""}}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeDKMunicipality(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsCountryCount(t *testing.T) {
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if IsCountry(string([]rune{a, b})) {
				n++
			}
		}
	}
	// ISO 3166-1 assigns 249 alpha-2 codes.
	if n != 249 {
		t.Errorf("IsCountry accepts %d codes, want 249", n)
	}
}
