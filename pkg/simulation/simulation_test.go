package simulation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/refcode"
)

var validator = func() *event.Validator {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	return v
}()

func generate(t *testing.T, cfg Config, n int) ([]Delivery, Truth) {
	t.Helper()
	ds, truth, err := Generate(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	return ds, truth
}

func encode(t *testing.T, ds []Delivery) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, d := range ds {
		b, err := event.Encode(d.Event)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&buf, "%s %v %v %s\n", d.SendAt.Format(time.RFC3339Nano), d.Late, d.Duplicate, b)
	}
	return buf.Bytes()
}

func TestSameSeedSameEvents(t *testing.T) {
	tests := []struct {
		name     string
		a, b     Config
		wantSame bool
	}{
		{"same seed", Config{Seed: 7}, Config{Seed: 7}, true},
		{"same seed, scaled", Config{Seed: 7, Scale: 0.5}, Config{Seed: 7, Scale: 0.5}, true},
		{"other seed", Config{Seed: 7}, Config{Seed: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ta := generate(t, tt.a, 0)
			b, tb := generate(t, tt.b, 0)
			same := bytes.Equal(encode(t, a), encode(t, b))
			if same != tt.wantSame {
				t.Fatalf("same = %v, want %v", same, tt.wantSame)
			}
			if tt.wantSame && fmt.Sprint(ta) != fmt.Sprint(tb) {
				t.Errorf("same events, different truth")
			}
			if !tt.wantSame {
				ids := map[string]bool{}
				for _, d := range a {
					ids[d.Event.ID()] = true
				}
				for _, d := range b {
					if ids[d.Event.ID()] {
						t.Fatalf("seeds share event id %s: runs of two seeds would deduplicate each other", d.Event.ID())
					}
				}
			}
		})
	}
}

func TestEveryEventIsValid(t *testing.T) {
	for _, cfg := range []Config{{Seed: 1}, {Seed: 99, Scale: 0.4, RetractShare: 0.2, LateShare: 0.3, DuplicateShare: 0.3}} {
		t.Run(fmt.Sprintf("seed %d", cfg.Seed), func(t *testing.T) {
			ds, _ := generate(t, cfg, 0)
			if len(ds) < 500 {
				t.Fatalf("only %d deliveries", len(ds))
			}
			for _, d := range ds {
				if err := validator.Validate(d.Event); err != nil {
					t.Fatalf("%s (%s): %v", d.Event.ID(), d.Event.Type(), err)
				}
			}
		})
	}
}

// recount computes the truth from the events alone, independently of the
// generator's bookkeeping.
func recount(t *testing.T, ds []Delivery) Truth {
	t.Helper()
	tr := newTally().t // empty maps
	first := map[string]Delivery{}
	var order []string
	retracted := map[string]bool{}
	for _, d := range ds {
		tr.Deliveries++
		k := key(d.Event.Source(), d.Event.ID())
		if prev, ok := first[k]; ok {
			tr.Duplicates++
			if !bytes.Equal(prev.Event.Data(), d.Event.Data()) || !prev.Event.Time().Equal(d.Event.Time()) {
				t.Errorf("re-send of %s differs from the first delivery", d.Event.ID())
			}
			continue
		}
		first[k] = d
		order = append(order, k)
		if d.Event.Type() == string(event.EventRetracted) {
			var r event.EventRetractedData
			mustData(t, d.Event, &r)
			retracted[key(r.RetractedSource, r.RetractedID)] = true
			tr.Retractions++
			continue
		}
		if !strings.HasSuffix(d.Event.ID(), "-c1") && d.SendAt.Sub(d.Event.Time()) > 24*time.Hour {
			tr.Late++
		}
	}
	tr.Events = len(order)
	tr.Retracted = len(retracted)
	placements := map[string]event.PlacementStartedData{}
	personPlacements := map[string]map[string]bool{}
	attendees := map[string]bool{}
	participants := map[string]bool{}
	for _, k := range order {
		e := first[k].Event
		if retracted[k] || e.Type() == string(event.EventRetracted) {
			continue
		}
		if first[k].Late != (!strings.HasSuffix(e.ID(), "-c1") && first[k].SendAt.Sub(e.Time()) > 24*time.Hour) {
			t.Errorf("%s: Late flag %v disagrees with its send delay %v", e.ID(), first[k].Late, first[k].SendAt.Sub(e.Time()))
		}
		tr.Effective[e.Type()]++
		switch event.Type(e.Type()) {
		case event.VacancyPublished:
			var d event.VacancyPublishedData
			mustData(t, e, &d)
			tr.VacanciesPublished++
			tr.PositionsPublished += d.Positions
		case event.VacancyClosed:
			var d event.VacancyClosedData
			mustData(t, e, &d)
			tr.VacanciesClosedByReason[d.Reason]++
		case event.FairScheduled:
			tr.FairsScheduled++
		case event.FairSignup:
			var d event.FairSignupData
			mustData(t, e, &d)
			tr.SignupsByAction[d.Action]++
			if d.Employer != nil {
				tr.EmployerSignups++
			} else if d.Action == "attended" {
				attendees[d.Person.Pseudonym] = true
			}
		case event.CourseCompleted:
			var d event.CourseCompletedData
			mustData(t, e, &d)
			tr.CompletionsByStatus[d.Status]++
			participants[d.Person.Pseudonym] = true
		case event.PlacementStarted:
			var d event.PlacementStartedData
			mustData(t, e, &d)
			placements[d.PlacementID] = d
			if personPlacements[d.Person.Pseudonym] == nil {
				personPlacements[d.Person.Pseudonym] = map[string]bool{}
			}
			personPlacements[d.Person.Pseudonym][d.PlacementID] = true
		case event.PlacementEnded:
			tr.PlacementsEnded++
		}
	}
	tr.FairAttendees = len(attendees)
	tr.CourseParticipants = len(participants)
	persons := map[string]map[string]bool{}
	for _, p := range placements {
		dir := p.Person.Residence.Country + "->" + p.Workplace.Country
		tr.PlacementsByDirection[dir]++
		tr.PlacementsBySector[p.Sector]++
		if persons[dir] == nil {
			persons[dir] = map[string]bool{}
		}
		persons[dir][p.Person.Pseudonym] = true
	}
	for dir, ps := range persons {
		tr.PersonsByDirection[dir] = len(ps)
	}
	for _, ids := range personPlacements {
		if len(ids) >= 2 {
			tr.PersonsPlacedTwice++
		}
	}
	return tr
}

func mustData(t *testing.T, e ce.Event, v any) {
	t.Helper()
	if err := json.Unmarshal(e.Data(), v); err != nil {
		t.Fatalf("%s: %v", e.ID(), err)
	}
}

// drop removes zero counts, which the generator keeps after a retraction.
func drop(tr Truth) Truth {
	for _, m := range []map[string]int{tr.Effective, tr.PersonsByDirection, tr.PlacementsByDirection, tr.PlacementsBySector,
		tr.VacanciesClosedByReason, tr.SignupsByAction, tr.CompletionsByStatus} {
		maps.DeleteFunc(m, func(_ string, v int) bool { return v == 0 })
	}
	return tr
}

func TestTruthMatchesRecount(t *testing.T) {
	cfg := Config{Seed: 3, RetractShare: 0.1, LateShare: 0.2, DuplicateShare: 0.1}
	all, _ := generate(t, cfg, 0)
	for _, n := range []int{0, 1, 200, 1500, len(all) / 2, len(all) - 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ds, truth := generate(t, cfg, n)
			got, want := drop(truth), drop(recount(t, ds))
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Errorf("truth of the first %d deliveries\n got %s\nwant %s", len(ds), g, w)
			}
		})
	}
}

func TestLooksLikeJobPaaTvaers(t *testing.T) {
	ds, truth := generate(t, Config{Seed: 2018}, 0)
	se, dk := truth.PlacementsByDirection["SE->DK"], truth.PlacementsByDirection["DK->SE"]
	share := float64(se) / float64(se+dk)
	if share < 0.90 || share > 0.97 {
		t.Errorf("SE->DK share of placements %.3f, want about 0.94", share)
	}
	if p := truth.PersonsByDirection["SE->DK"]; p < 200 || p > 280 {
		t.Errorf("%d persons SE->DK; the project's target is 200", p)
	}
	if truth.PersonsPlacedTwice == 0 || truth.Duplicates == 0 || truth.Late == 0 || truth.Retractions == 0 {
		t.Errorf("no misbehaviour: %+v", truth)
	}
	// Fairs: 1-2 pop-up fairs per focus area and year.
	popups := map[string]int{}
	municipalities := map[string]int{}
	var lastSend time.Time
	outOfOrder := 0
	var lastTime time.Time
	for _, d := range ds {
		if d.SendAt.Before(lastSend) {
			t.Fatalf("deliveries not in send order at %s", d.Event.ID())
		}
		lastSend = d.SendAt
		if !d.Duplicate {
			if d.Event.Time().Before(lastTime.Add(-24 * time.Hour)) {
				outOfOrder++
			}
			if d.Event.Time().After(lastTime) {
				lastTime = d.Event.Time()
			}
		}
		switch event.Type(d.Event.Type()) {
		case event.FairScheduled:
			var f event.FairScheduledData
			mustData(t, d.Event, &f)
			if f.Kind == "popup_fair" && !d.Duplicate {
				popups[fmt.Sprintf("%s %s", f.Sector, f.Date[:4])]++
			}
		case event.PlacementStarted:
			var p event.PlacementStartedData
			mustData(t, d.Event, &p)
			municipalities[p.Workplace.Country+p.Workplace.Municipality]++
			municipalities[p.Person.Residence.Country+p.Person.Residence.Municipality]++
		}
	}
	if len(popups) != 15 {
		t.Errorf("pop-up fairs in %d area-years, want 5 areas x 3 years: %v", len(popups), popups)
	}
	for k, n := range popups {
		if n < 1 || n > 2 {
			t.Errorf("%s: %d pop-up fairs, want 1 or 2", k, n)
		}
	}
	if outOfOrder == 0 {
		t.Error("no event arrived after events that happened more than a day later")
	}
	top := func(prefix string) string {
		best, n := "", 0
		for m, c := range municipalities {
			if strings.HasPrefix(m, prefix) && c > n {
				best, n = m, c
			}
		}
		return best
	}
	if top("DK") != "DK217" || top("SE") != "SE1283" {
		t.Errorf("most frequent municipalities %s and %s, want Helsingør (217) and Helsingborg (1283)", top("DK"), top("SE"))
	}
}

func TestWorldCodesExist(t *testing.T) {
	for _, l := range [][]weighted[string]{dkResidence, dkWork} {
		for _, m := range l {
			if _, ok := refcode.DKMunicipality(m.v); !ok {
				t.Errorf("%s is not a kommunekode", m.v)
			}
		}
	}
	for _, l := range [][]weighted[string]{seResidence, seWork} {
		for _, m := range l {
			if mm, ok := refcode.SEMunicipality(m.v); !ok || mm.RegionCode != "12" {
				t.Errorf("%s is not a kommunkod in Skåne", m.v)
			}
		}
	}
	for s, codes := range dkOccupations {
		for _, c := range codes {
			if g, ok := refcode.ISCO(c); !ok || g.Level != refcode.ISCOUnit {
				t.Errorf("%s: %s is not an ISCO-08 unit group", s, c)
			}
		}
	}
	for s, codes := range seOccupations {
		for _, c := range codes {
			if _, ok := refcode.SSYK(c); !ok {
				t.Errorf("%s: %s is not an SSYK 2012 code", s, c)
			}
		}
	}
}

// sink records what Run publishes; stop, when set, is called after the
// first batch.
type sink struct {
	mu     sync.Mutex
	events []ce.Event
	stop   func()
}

func (s *sink) Publish(_ context.Context, events []ce.Event) (delivery.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, events...)
	if s.stop != nil {
		s.stop()
	}
	return delivery.Result{Accepted: len(events)}, nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		opts      RunOptions
		stopAfter bool
		want      int // deliveries, -1: all of them
	}{
		{name: "whole period at once", opts: RunOptions{BatchSize: 300}, want: -1},
		{name: "count", opts: RunOptions{Count: 777, BatchSize: 100}, want: 777},
		{name: "paced by simulated time", opts: RunOptions{Speed: 1e6, Count: 400}, want: 400},
		{name: "rate capped", opts: RunOptions{Rate: 1e5, Count: 300}, want: 300},
		{name: "stopped", opts: RunOptions{BatchSize: 50}, stopAfter: true, want: 50},
	}
	all, _ := generate(t, Config{Seed: 5}, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(Config{Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			s := &sink{}
			if tt.stopAfter {
				s.stop = cancel
			}
			st, err := Run(ctx, g, s, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want < 0 {
				want = len(all)
			}
			if len(s.events) != want || st.Sent != want || st.Accepted != want || st.Truth.Deliveries != want {
				t.Fatalf("published %d, stats %+v, want %d", len(s.events), st, want)
			}
			for i, e := range s.events {
				if e.ID() != all[i].Event.ID() {
					t.Fatalf("event %d is %s, want %s", i, e.ID(), all[i].Event.ID())
				}
			}
		})
	}
}

func TestScaleFor(t *testing.T) {
	s, err := ScaleFor(Config{Seed: 11}, 20000)
	if err != nil {
		t.Fatal(err)
	}
	ds, truth := generate(t, Config{Seed: 11, Scale: s}, 0)
	if len(ds) < 20000 {
		t.Errorf("scale %.1f gives %d deliveries, want at least 20000", s, len(ds))
	}
	if truth.PersonsByDirection["SE->DK"] < 800 {
		t.Errorf("scale %.1f: %d persons SE->DK", s, truth.PersonsByDirection["SE->DK"])
	}
}

func BenchmarkGenerate(b *testing.B) {
	// Baseline: building the same number of events with event.New and
	// nothing else, in the same run.
	ds, _, err := Generate(Config{Seed: 1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	n := len(ds)
	began := time.Now()
	for range b.N {
		for i := range n {
			if _, err := event.New(event.Type(ds[i].Event.Type()), ds[i].Event.Source(), ds[i].Event.ID(), ds[i].Event.Time(), json.RawMessage(ds[i].Event.Data())); err != nil {
				b.Fatal(err)
			}
		}
	}
	base := time.Since(began)
	b.ResetTimer()
	for range b.N {
		if _, _, err := Generate(Config{Seed: 1}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perSec := float64(n*b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "events/s")
	b.ReportMetric(b.Elapsed().Seconds()/base.Seconds(), "x_event.New")
	b.Logf("simulation: %.0f events/s generated with truth; %.1fx the time of event.New alone", perSec, b.Elapsed().Seconds()/base.Seconds())
}
