package event

import (
	"strings"
	"testing"

	"github.com/sundflow/sundflow/pkg/pseudonym"
)

// All numbers below are synthetic: built to have (or lack) the shape of
// a national id, not taken from anyone.
func TestPrivacyRule(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" for no finding
	}{
		{"CPR with hyphen", "010190-1234", RulePrivacyCPR},
		{"CPR without hyphen", "0101901234", RulePrivacyCPR},
		{"CPR in free text", "borger (CPR 311299-4321) mødte op", RulePrivacyCPR},
		{"CPR leap day of a leap year", "290296-1234", RulePrivacyCPR},
		{"CPR leap day of a common year", "290297-1234", ""},
		{"CPR century by 7th digit: 2000 is leap", "290200-4321", RulePrivacyCPR},
		{"CPR century by 7th digit: 1900 is not leap", "290200-1234", ""},
		{"CPR month 13", "011390-1234", ""},
		{"CPR day 32", "320190-1234", ""},
		{"personnummer 10 digits Luhn", "9001011239", RulePrivacyPersonnummer},
		{"personnummer hyphen", "900101-1239", RulePrivacyPersonnummer},
		{"personnummer plus (over 100)", "900101+1239", RulePrivacyPersonnummer},
		{"personnummer 12 digits", "199001011239", RulePrivacyPersonnummer},
		{"personnummer 12 digits hyphen", "19900101-1239", RulePrivacyPersonnummer},
		{"samordningsnummer day+60", "900161-1236", RulePrivacyPersonnummer},
		{"personnummer 12 digits bad date", "19901301-1239", ""},
		{"plus separator is not CPR", "010190+1234", ""},
		{"JobTech organisation number (month 22)", "1222124758", ""},
		{"organisationsnummer with hyphen", "556036-0793", ""},
		{"pseudonym 64 hex", pseudonym.Derive([]byte("k"), "0101901234"), ""},
		{"digits glued to letters", "a0101901234", ""},
		{"digits glued to letters after", "0101901234b", ""},
		{"eleven digits", "01019012345", ""},
		{"nine digits", "010190123", ""},
		{"date", "2024-05-12", ""},
		{"timestamp", "2019-03-12T17:08:41.222Z", ""},
		{"phone", "08999999999", ""},
		{"CVR", "12345678", ""},
		{"hyphen prefix still counts", "V-0101901234", RulePrivacyCPR},
		{"underscore is no letter", "id_0101901234", RulePrivacyCPR},
		{"e-mail", "kontakt: synthetic.person@example.org", RulePrivacyEmail},
		{"e-mail with unicode domain", "a@jobcenter-helsingør.dk", RulePrivacyEmail},
		{"at sign without domain", "meet @ 10", ""},
		{"handle", "@sundflow", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := privacyRule(tt.in)
			if got != tt.want {
				t.Errorf("privacyRule = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPrivacyEverywhere puts a CPR-shaped number into each kind of place
// an event has and checks the finding names the place and not the value.
func TestPrivacyEverywhere(t *testing.T) {
	v := newTestValidator(t)
	const cpr = "010190-1234"
	tests := []struct {
		name     string
		edit     func(string) string
		wantPath string
	}{
		{"subject", func(s string) string { return strings.Replace(s, `"time"`, `"subject":"`+cpr+`","time"`, 1) }, "$.subject"},
		{"extension", func(s string) string { return strings.Replace(s, `"time"`, `"note":"`+cpr+`","time"`, 1) }, "$.note"},
		{"id", func(s string) string { return strings.Replace(s, `"id":"p-1"`, `"id":"`+cpr+`"`, 1) }, "$.id"},
		{"data free text", func(s string) string {
			return strings.Replace(s, `"reason":"other"`, `"reason":"other","note":"`+cpr+`"`, 1)
		}, "$.data.note"},
		{"data member name", func(s string) string {
			return strings.Replace(s, `"reason":"other"`, `"reason":"other","`+cpr+`":1`, 1)
		}, "$.data"},
	}
	base := `{"specversion":"1.0","id":"p-1","source":"urn:test","type":"org.sundflow.placement.ended.v1","time":"2024-03-01T09:00:00Z","data":{"placement_id":"p1","person":"` +
		pseudonym.Derive(fixtureKey, "synthetic-person-01") + `","end":"2024-03-01","reason":"other"}}`
	if _, err := v.ParseStructured([]byte(base)); err != nil {
		t.Fatalf("base event invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.edit(base)
			e, err := v.ParseStructured([]byte(in))
			if err == nil {
				t.Fatal("accepted an event with a CPR number")
			}
			found := false
			for _, p := range ProblemsOf(err) {
				if p.Rule == RulePrivacyCPR && p.Path == tt.wantPath {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s at %s in %v", RulePrivacyCPR, tt.wantPath, err)
			}
			if strings.Contains(err.Error(), "010190") || strings.Contains(err.Error(), "1234") {
				t.Errorf("the error echoes the number: %v", err)
			}
			if strings.Contains(e.ID(), "010190") {
				t.Errorf("the returned event carries the flagged id")
			}
		})
	}
}
