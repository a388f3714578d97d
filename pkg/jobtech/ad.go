package jobtech

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	_ "time/tzdata" // JobTech dates are Swedish local time; do not depend on the host's zoneinfo
)

// Ad is the part of a JobStream ad sundflow reads. Every field may be
// null or missing in real streams.
type Ad struct {
	ID                text     `json:"id"`
	Headline          text     `json:"headline"`
	NumberOfVacancies *float64 `json:"number_of_vacancies"`
	Employer          *struct {
		OrganizationNumber text `json:"organization_number"`
		Name               text `json:"name"`
		Workplace          text `json:"workplace"`
	} `json:"employer"`
	OccupationGroup     concept           `json:"occupation_group"`
	WorkplaceAddress    *workplaceAddress `json:"workplace_address"`
	PublicationDate     text              `json:"publication_date"`
	ApplicationDeadline text              `json:"application_deadline"`
	LastPublicationDate text              `json:"last_publication_date"`
	Removed             bool              `json:"removed"`
	RemovedDate         text              `json:"removed_date"`
	Timestamp           *float64          `json:"timestamp"` // milliseconds since the epoch

	// The short shape of a removed ad names places by concept id only.
	Municipality concept `json:"municipality"`
	Region       concept `json:"region"`
	Country      concept `json:"country"`
}

type workplaceAddress struct {
	MunicipalityCode      text `json:"municipality_code"`
	Municipality          text `json:"municipality"`
	MunicipalityConceptID text `json:"municipality_concept_id"`
	RegionCode            text `json:"region_code"`
	RegionConceptID       text `json:"region_concept_id"`
	CountryCode           text `json:"country_code"`
	Country               text `json:"country"`
}

// concept is a taxonomy reference: an object {concept_id, label,
// legacy_ams_taxonomy_id} in a live ad, a bare concept-id string in a
// removed one, or null.
type concept struct {
	ConceptID text `json:"concept_id"`
	Label     text `json:"label"`
	LegacyID  text `json:"legacy_ams_taxonomy_id"`
}

func (c *concept) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = concept{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = concept{ConceptID: text(strings.TrimSpace(s))}
		return nil
	}
	type plain concept
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = concept(p)
	return nil
}

// text is a string that also accepts a JSON number (ids and legacy codes
// come as either) and reads null as empty.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = text(n.String())
	}
	return nil
}

// stockholm is the time zone of JobTech's dates, which carry no offset.
var stockholm = func() *time.Location {
	l, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return l
}()

// when reads a JobTech date or date-time; ok is false for empty or
// unreadable values.
func (t text) when() (time.Time, bool) {
	s := string(t)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", time.DateOnly} {
		if v, err := time.ParseInLocation(layout, s, stockholm); err == nil {
			return v, true
		}
	}
	return time.Time{}, false
}

func millis(ms *float64) (time.Time, bool) {
	if ms == nil || *ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(*ms)).In(stockholm), true
}
