// Package targettest builds synthetic event histories for the tests of
// pkg/target and pkg/dashboard and stores them through the projector's
// own path (pkg/store's Batch and Writer) into a real ClickHouse, so the
// figures are checked against the same rows production reads. Every
// person is the pseudonym of a made-up number; no real data is involved.
package targettest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
)

// Sources of the synthetic events, one per kind of source system.
const (
	SourceCases   = "urn:sundflow:source:targettest-case-system"
	SourceFairs   = "urn:sundflow:source:targettest-fair-form"
	SourceSchool  = "urn:sundflow:source:targettest-school"
	SourceJobs    = "urn:sundflow:source:targettest-job-board"
	SourceJobsTwo = "urn:sundflow:source:targettest-other-job-board"
)

// Person is the pseudonym of synthetic person n.
func Person(n int) string {
	h := sha256.Sum256([]byte("targettest-person-" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:])
}

// Builder collects events; each method returns the event it added so a
// test can retract or repeat it. Event ids are generated per source.
type Builder struct {
	tb     testing.TB
	events []ce.Event
	next   int
}

// New returns an empty builder; tb fails the test on a bad event.
func New(tb testing.TB) *Builder { return &Builder{tb: tb} }

// Events returns the events in the order they were added.
func (b *Builder) Events() []ce.Event { return b.events }

func (b *Builder) add(t event.Type, source, date string, data any) ce.Event {
	b.tb.Helper()
	b.next++
	at, err := time.Parse(time.DateOnly, date)
	if err != nil {
		b.tb.Fatalf("targettest: date %q: %v", date, err)
	}
	e, err := event.New(t, source, fmt.Sprintf("tt-%06d", b.next), at.Add(12*time.Hour), data)
	if err != nil {
		b.tb.Fatalf("targettest: new %s: %v", t, err)
	}
	b.events = append(b.events, e)
	return e
}

// Again adds e a second time (a re-sent or redelivered copy).
func (b *Builder) Again(e ce.Event) ce.Event {
	b.events = append(b.events, e)
	return e
}

// Placement is a placement of person (residence -> work country) that
// starts on start.
type Placement struct {
	ID                         string
	Person                     int
	From, FromMunicipality     string
	To, ToMunicipality         string
	Sector, ISCO, Kind, Status string
	Start                      string
	Projects                   []string
}

// Place adds a placement start.
func (b *Builder) Place(p Placement) ce.Event {
	b.tb.Helper()
	if p.Kind == "" {
		p.Kind = "ordinary_job"
	}
	if p.Status == "" {
		p.Status = "insured_unemployed"
	}
	return b.add(event.PlacementStarted, SourceCases, p.Start, event.PlacementStartedData{
		PlacementID: p.ID,
		Person:      event.Person{Pseudonym: Person(p.Person), Residence: event.Place{Country: p.From, Municipality: p.FromMunicipality}},
		Workplace:   event.Place{Country: p.To, Municipality: p.ToMunicipality},
		Employer:    event.Employer{Country: p.To, Name: "Synthetic employer " + p.To},
		Sector:      p.Sector, Occupation: event.Occupation{ISCO: p.ISCO},
		Kind: p.Kind, StatusBefore: p.Status, Start: p.Start, Projects: p.Projects,
	})
}

// Fair adds a scheduled fair.
func (b *Builder) Fair(id, kind, date, country, municipality, sector string, projects ...string) ce.Event {
	b.tb.Helper()
	return b.add(event.FairScheduled, SourceFairs, date, event.FairScheduledData{
		FairID: id, Kind: kind, Date: date, Location: event.Place{Country: country, Municipality: municipality},
		Sector: sector, Organisers: []string{"Synthetic organiser"}, Projects: projects,
	})
}

// Signup adds a person's sign-up action (registered, cancelled, attended).
func (b *Builder) Signup(fairID, action, date string, person int, residence, municipality string, projects ...string) ce.Event {
	b.tb.Helper()
	return b.add(event.FairSignup, SourceFairs, date, event.FairSignupData{
		FairID: fairID, Action: action, Date: date,
		Person: &event.Person{Pseudonym: Person(person), Residence: event.Place{Country: residence, Municipality: municipality}}, Projects: projects,
	})
}

// EmployerSignup adds an employer's sign-up action.
func (b *Builder) EmployerSignup(fairID, action, date, country, name string, projects ...string) ce.Event {
	b.tb.Helper()
	return b.add(event.FairSignup, SourceFairs, date, event.FairSignupData{
		FairID: fairID, Action: action, Date: date, Employer: &event.Employer{Country: country, Name: name}, Projects: projects,
	})
}

// Complete adds a course completion.
func (b *Builder) Complete(course, run, sector string, person int, residence, municipality, date, status string, projects ...string) ce.Event {
	b.tb.Helper()
	return b.add(event.CourseCompleted, SourceSchool, date, event.CourseCompletedData{
		CourseID: course, RunID: run, Provider: "Synthetic school", Sector: sector,
		Person: event.Person{Pseudonym: Person(person), Residence: event.Place{Country: residence, Municipality: municipality}},
		Hours:  37, Completed: date, Status: status, Projects: projects,
	})
}

// Vacancy adds a published vacancy.
func (b *Builder) Vacancy(source, id, country, municipality, isco, sector string, positions int, published string, projects ...string) ce.Event {
	b.tb.Helper()
	return b.add(event.VacancyPublished, source, published, event.VacancyPublishedData{
		VacancyID: id, Employer: event.Employer{Country: country, Name: "Synthetic employer"},
		Workplace: event.Place{Country: country, Municipality: municipality}, Occupation: event.Occupation{ISCO: isco},
		Sector: sector, Positions: positions, Published: published, Projects: projects,
	})
}

// Close adds a vacancy closing.
func (b *Builder) Close(source, id, reason, closed string, filled int) ce.Event {
	b.tb.Helper()
	return b.add(event.VacancyClosed, source, closed, event.VacancyClosedData{VacancyID: id, Reason: reason, Closed: closed, PositionsFilled: filled})
}

// Retract adds a retraction of e by its own source.
func (b *Builder) Retract(e ce.Event, date string) ce.Event {
	b.tb.Helper()
	return b.add(event.EventRetracted, e.Source(), date, event.EventRetractedData{RetractedSource: e.Source(), RetractedID: e.ID(), Reason: "sent by mistake"})
}

// Store validates events and inserts them into database db through the
// projector's path (store.Batch and store.Writer), each with the next
// stream sequence, as the projector would after reading them from
// JetStream in this order.
func Store(ctx context.Context, tb testing.TB, conn driver.Conn, db string, events []ce.Event) {
	tb.Helper()
	v, err := event.NewValidator()
	if err != nil {
		tb.Fatalf("targettest: validator: %v", err)
	}
	batch := store.NewBatch()
	for i, e := range events {
		if err := v.Validate(e); err != nil {
			tb.Fatalf("targettest: event %d (%s %s) is invalid: %v", i, e.Type(), e.ID(), err)
		}
		meta := store.Meta{Subject: event.Type(e.Type()).Subject(), Seq: uint64(i + 1), Received: e.Time().Add(time.Minute)}
		if err := batch.Add(e, meta); err != nil {
			tb.Fatalf("targettest: add event %d to batch: %v", i, err)
		}
	}
	if err := store.NewWriter(conn, db).Write(ctx, batch); err != nil {
		tb.Fatalf("targettest: write %d events: %v", len(events), err)
	}
}

// Migrate creates database db with the projector's schema.
func Migrate(ctx context.Context, tb testing.TB, conn driver.Conn, db string) {
	tb.Helper()
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		tb.Fatalf("targettest: migrate %s: %v", db, err)
	}
}
