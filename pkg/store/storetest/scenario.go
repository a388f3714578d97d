// Package storetest builds synthetic event histories whose figures are
// known by construction, and reads the same figures back from the
// evaluator views, so tests of pkg/store and of the projector can prove
// the views exact under duplicates, retractions, late and out-of-order
// events and people with several placements. Every person is a
// pseudonym of a made-up id; no real data is involved.
package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
)

// Sources of the synthetic events.
const (
	SourceSE     = "urn:sundflow:source:storetest-af-helsingborg"
	SourceDK     = "https://jobcenter.storetest.example.dk/case-system"
	SourceFairs  = "urn:sundflow:source:storetest-fair-form"
	SourceSchool = "urn:sundflow:source:storetest-school"
)

// Scenario is a history of events and the figures the views must show
// once every event is stored (in any order, any number of times).
type Scenario struct {
	// Events in publish order: shuffled, so events arrive late and out of
	// order, retractions sometimes before what they retract.
	Events []ce.Event
	// Want are the figures of Events.
	Want Figures
}

type person struct {
	pseudonym   string
	country     string
	municipal   string
	workCountry string
}

type occupation struct {
	isco, sector string
}

var (
	occupations = []occupation{
		{"2221", event.SectorHealthCare}, {"5322", event.SectorHealthCare},
		{"9333", event.SectorLogistics}, {"8322", event.SectorLogistics}, {"4321", event.SectorLogistics},
		{"7115", event.SectorConstruction}, {"7112", event.SectorConstruction},
		{"5120", event.SectorService}, {"2512", event.SectorAcademics},
	}
	seMunicipalities = []string{"1280", "1281", "1282", "1283", "1284", "1292", "1287", "1233"}
	dkMunicipalities = []string{"101", "147", "217", "219", "210", "270", "260", "185"}
	kinds            = []string{"ordinary_job", "wage_subsidy", "internship", "apprenticeship", "seasonal"}
	statusesBefore   = []string{"insured_unemployed", "social_assistance", "education_allowance", "at_risk_of_dismissal", "employed", "student", "other"}
	courseStatuses   = []string{"ordinary_job", "wage_subsidy", "self_employed", "internship", "other_placement", "education", "not_in_work"}
	fairKinds        = []string{"job_fair", "popup_fair", "speed_dating", "info_meeting"}
	periodStart      = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	periodDays       = 3 * 365
)

// Pseudonym is the synthetic person i's pseudonym: 64 hex characters, as
// the contract wants, derived from a made-up id.
func Pseudonym(i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "storetest-person-%d", i))
	return hex.EncodeToString(sum[:])
}

type gen struct {
	r      *rand.Rand
	events []ce.Event
	n      int
}

func (g *gen) day() time.Time { return periodStart.AddDate(0, 0, g.r.IntN(periodDays)) }

func (g *gen) add(t event.Type, source, id string, at time.Time, data any) ce.Event {
	e, err := event.New(t, source, id, at.Add(time.Duration(g.r.IntN(36000))*time.Second+9*time.Hour), data)
	if err != nil {
		panic(fmt.Sprintf("storetest: build %s %s: %v", t, id, err)) // a bug in this package
	}
	g.events = append(g.events, e)
	return e
}

func (g *gen) id(prefix string) string {
	g.n++
	return fmt.Sprintf("%s-%07d", prefix, g.n)
}

func employer(r *rand.Rand, country string) event.Employer {
	if country == "SE" {
		return event.Employer{Country: "SE", RegistrationNumber: fmt.Sprintf("556%03d-%04d", r.IntN(1000), r.IntN(10000)), Name: "Öresundsbolaget AB (fictitious)"}
	}
	return event.Employer{Country: "DK", RegistrationNumber: fmt.Sprintf("%08d", 10000000+r.IntN(89999999)), Name: "Kronborg Pleje ApS (fictitious)"}
}

func municipality(r *rand.Rand, country string) string {
	switch country {
	case "SE":
		return seMunicipalities[r.IntN(len(seMunicipalities))]
	case "DK":
		return dkMunicipalities[r.IntN(len(dkMunicipalities))]
	}
	return ""
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// NewScenario generates about size events (at least a few of each type)
// from seed; the same seed gives the same scenario.
func NewScenario(seed uint64, size int) *Scenario {
	size = max(size, 200)
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
	w := newTruth()

	people := make([]person, max(size/8, 10))
	for i := range people {
		p := person{pseudonym: Pseudonym(int(seed%1000)*10_000_000 + i), country: "SE", workCountry: "DK"}
		switch x := g.r.IntN(10); {
		case x == 0:
			p.country, p.workCountry = "DK", "NO"
		case x < 3:
			p.country, p.workCountry = "DK", "SE"
		}
		p.municipal = municipality(g.r, p.country)
		people[i] = p
	}

	// Placements: 30 % started, a third of those ended; 3 % of the
	// started retracted, a third of those retractions retracted again.
	type placement struct {
		source, id, placementID string
		p                       person
		start                   time.Time
	}
	var placements []placement
	for range size * 30 / 100 {
		p := pick(g.r, people)
		occ := pick(g.r, occupations)
		source := SourceSE
		if p.country == "DK" {
			source = SourceDK
		}
		start := g.day()
		pl := placement{source: source, id: g.id("pl-start"), placementID: g.id("pl"), p: p, start: start}
		d := event.PlacementStartedData{
			PlacementID:  pl.placementID,
			Person:       event.Person{Pseudonym: p.pseudonym, Residence: event.Place{Country: p.country, Municipality: p.municipal}},
			Workplace:    event.Place{Country: p.workCountry, Municipality: municipality(g.r, p.workCountry)},
			Employer:     employer(g.r, p.workCountry),
			Sector:       occ.sector,
			Occupation:   event.Occupation{ISCO: occ.isco},
			Kind:         pick(g.r, kinds),
			StatusBefore: pick(g.r, statusesBefore),
			Start:        start.Format(time.DateOnly),
			Projects:     []string{"job-paa-tvaers"},
		}
		if p.workCountry == "NO" {
			d.Employer = event.Employer{Country: "NO", Name: "Fjordbygg AS (fictitious)"}
			d.Projects = []string{"norgesprojektet"}
		}
		g.add(event.PlacementStarted, source, pl.id, start, d)
		placements = append(placements, pl)
		if g.r.IntN(3) == 0 {
			end := start.AddDate(0, 0, 30+g.r.IntN(300))
			g.add(event.PlacementEnded, source, g.id("pl-end"), end, event.PlacementEndedData{
				PlacementID: pl.placementID, Person: p.pseudonym, Start: d.Start, End: end.Format(time.DateOnly), Reason: "contract_ended",
			})
		}
	}
	for _, pl := range placements {
		counts := true
		if g.r.IntN(100) < 3 {
			rid := g.id("retract")
			g.add(event.EventRetracted, pl.source, rid, pl.start.AddDate(0, 1, 0), event.EventRetractedData{
				RetractedSource: pl.source, RetractedID: pl.id, Reason: "placement registered by mistake",
			})
			w.excluded++ // the placement, or (after an un-retraction) the retraction
			counts = false
			if g.r.IntN(3) == 0 {
				g.add(event.EventRetracted, pl.source, g.id("unretract"), pl.start.AddDate(0, 2, 0), event.EventRetractedData{
					RetractedSource: pl.source, RetractedID: rid, Reason: "the retraction was a mistake",
				})
				counts = true
			}
		}
		if counts {
			w.placement(store.Direction(pl.p.country, pl.p.workCountry), pl.p.pseudonym, pl.start)
		}
	}

	// Vacancies: 20 % published, half of them closed.
	for range size * 20 / 100 {
		occ := pick(g.r, occupations)
		country := pick(g.r, []string{"DK", "DK", "SE"})
		source := SourceDK
		if country == "SE" {
			source = SourceSE
		}
		pub := g.day()
		vid := g.id("v")
		positions := 1 + g.r.IntN(4)
		g.add(event.VacancyPublished, source, g.id("v-pub"), pub, event.VacancyPublishedData{
			VacancyID: vid, Title: "Synthetic vacancy", Employer: employer(g.r, country),
			Workplace:  event.Place{Country: country, Municipality: municipality(g.r, country)},
			Occupation: event.Occupation{ISCO: occ.isco}, Sector: occ.sector, Positions: positions,
			CrossBorder: g.r.IntN(2) == 0, Published: pub.Format(time.DateOnly),
		})
		if g.r.IntN(2) == 0 {
			closed := pub.AddDate(0, 0, g.r.IntN(60))
			d := event.VacancyClosedData{VacancyID: vid, Reason: "expired", Closed: closed.Format(time.DateOnly)}
			if g.r.IntN(2) == 0 {
				d.Reason, d.PositionsFilled, d.Positions = "filled", 1+g.r.IntN(positions), positions
			}
			g.add(event.VacancyClosed, source, g.id("v-close"), closed, d)
		} else {
			w.openVacancy(country, occ.isco[:1], positions)
		}
	}

	// Fairs and sign-ups: a fair per 100 events; 17 % sign-up events.
	fairs := make([]string, size/100+2)
	fairDays := make([]time.Time, len(fairs))
	for i := range fairs {
		fairs[i] = fmt.Sprintf("fair-%d-%d", seed, i)
		fairDays[i] = g.day()
		country := pick(g.r, []string{"DK", "SE"})
		g.add(event.FairScheduled, SourceFairs, g.id("fair"), fairDays[i].AddDate(0, -1, 0), event.FairScheduledData{
			FairID: fairs[i], Kind: pick(g.r, fairKinds), Date: fairDays[i].Format(time.DateOnly),
			Location: event.Place{Country: country, Municipality: municipality(g.r, country)},
			Sector:   pick(g.r, occupations).sector, Organisers: []string{"Jobcenter Helsingør"},
		})
	}
	type signupKey struct{ fair, pseudonym string }
	signed := map[signupKey]bool{}
	for n := 0; n < size*17/100; {
		i := g.r.IntN(len(fairs))
		p := pick(g.r, people)
		k := signupKey{fairs[i], p.pseudonym}
		if signed[k] {
			continue
		}
		signed[k] = true
		who := &event.Person{Pseudonym: p.pseudonym, Residence: event.Place{Country: p.country, Municipality: p.municipal}}
		reg := fairDays[i].AddDate(0, 0, -1-g.r.IntN(20))
		g.add(event.FairSignup, SourceFairs, g.id("signup"), reg, event.FairSignupData{FairID: fairs[i], Action: "registered", Date: reg.Format(time.DateOnly), Person: who})
		n++
		switch x := g.r.IntN(10); {
		case x < 2: // cancelled
			g.add(event.FairSignup, SourceFairs, g.id("signup"), reg.AddDate(0, 0, 1), event.FairSignupData{FairID: fairs[i], Action: "cancelled", Date: reg.AddDate(0, 0, 1).Format(time.DateOnly), Person: who})
			n++
		case x < 8: // attended
			g.add(event.FairSignup, SourceFairs, g.id("signup"), fairDays[i], event.FairSignupData{FairID: fairs[i], Action: "attended", Date: fairDays[i].Format(time.DateOnly), Person: who})
			n++
			w.fair(fairs[i], true, true)
			continue
		default:
			w.fair(fairs[i], true, false)
			continue
		}
		w.fair(fairs[i], false, false)
	}

	// Course completions: 10 %, 2 % of them retracted.
	for range size * 10 / 100 {
		p := pick(g.r, people)
		occ := pick(g.r, occupations)
		done := g.day()
		status := pick(g.r, courseStatuses)
		id := g.id("cc")
		g.add(event.CourseCompleted, SourceSchool, id, done, event.CourseCompletedData{
			CourseID: "course-" + occ.sector, RunID: fmt.Sprintf("%d-%d", done.Year(), done.Month()/7),
			Provider: "Synthetic Vocational School", Sector: occ.sector,
			Person: event.Person{Pseudonym: p.pseudonym, Residence: event.Place{Country: p.country, Municipality: p.municipal}},
			Hours:  37.5, Completed: done.Format(time.DateOnly), Status: status,
		})
		if g.r.IntN(100) < 2 {
			g.add(event.EventRetracted, SourceSchool, g.id("retract"), done.AddDate(0, 0, 5), event.EventRetractedData{
				RetractedSource: SourceSchool, RetractedID: id, Reason: "entered for the wrong person",
			})
			w.excluded++
			continue
		}
		w.completion(occ.sector, status, done.Year(), p.pseudonym)
	}

	g.r.Shuffle(len(g.events), func(i, j int) { g.events[i], g.events[j] = g.events[j], g.events[i] })
	// A retraction takes one event out of events_current (the retracted
	// one); retracting the retraction takes the retraction out instead.
	w.figures.Events = uint64(len(g.events)) - w.excluded
	return &Scenario{Events: g.events, Want: w.done()}
}
