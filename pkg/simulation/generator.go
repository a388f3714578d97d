package simulation

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
	_ "time/tzdata" // the simulated sources live in Copenhagen time

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/pseudonym"
	"github.com/sundflow/sundflow/pkg/refcode"
)

var copenhagen = func() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return l
}()

// Delivery is one event as a source sends it.
type Delivery struct {
	Event ce.Event
	// SendAt is the simulated time the source sends the event; deliveries
	// come in SendAt order. Event.Time() is when it happened.
	SendAt time.Time
	// Late marks an event sent 2 to 45 days after it happened, after
	// events that happened later.
	Late bool
	// Duplicate marks a re-send of an event (same source, id and content)
	// delivered before.
	Duplicate bool
}

// Sizes at scale 1, about Job på Tværs's own figures (seed 001): 200
// persons SE→DK targeted, about 1,000 participants in activities.
const (
	placedPersons      = 245.0 // first placements over the period
	activityPool       = 1100.0
	vacanciesPerPeriod = 650.0
	secondPlacement    = 0.16 // of placements that end in time, the person is placed again
)

// Generator produces a project's deliveries in send order, day by day of
// the simulated period, holding only what is scheduled ahead. It is not
// safe for concurrent use.
type Generator struct {
	cfg  Config
	r    *rand.Rand
	tag  string // in every id, so that two seeds never share an event id
	src  struct{ jobcenter, af, fairs, school string }
	day  time.Time // the next day to generate
	last time.Time // the period's last day
	q    queue
	seq  uint64

	placementWeight []float64 // per day of the period: share of the placements starting then
	placementRate   float64   // placements per unit weight
	vacancyRate     float64   // vacancies per weekday
	plannedYear     int

	nextPlaced int // next person index to place
	persons    []string
	residences map[int]event.Place
	employers  map[string][]employer
	n          struct{ vacancy, placement, fair, employer int }

	truth *tally
}

// New returns a generator for cfg.
func New(cfg Config) (*Generator, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("simulation config: %w", err)
	}
	g := &Generator{
		cfg:        cfg,
		r:          rand.New(rand.NewPCG(cfg.Seed, 0x5eed_5f10)),
		tag:        "s" + strconv.FormatUint(cfg.Seed, 36),
		day:        dayOf(cfg.Project.Start),
		last:       dayOf(cfg.Project.End),
		residences: map[int]event.Place{},
		employers:  map[string][]employer{},
		truth:      newTally(),
	}
	g.src.jobcenter = cfg.SourcePrefix + "/jobcenter-helsingor"
	g.src.af = cfg.SourcePrefix + "/arbetsformedlingen"
	g.src.fairs = cfg.SourcePrefix + "/fair-signups"
	g.src.school = cfg.SourcePrefix + "/courses"

	// Placements ramp up over the first four months and stop a month
	// before the end (nothing starts that cannot be confirmed in time).
	days := 0
	for d := g.day; !d.After(g.last); d = d.AddDate(0, 0, 1) {
		days++
	}
	g.placementWeight = make([]float64, days)
	total, weekdays := 0.0, 0
	for i := range days {
		d := g.day.AddDate(0, 0, i)
		w := 1.0
		switch {
		case i < 120:
			w = 0.3 + 0.7*float64(i)/120
		case i >= days-30:
			w = 0
		}
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			w = 0
		} else {
			weekdays++
		}
		g.placementWeight[i] = w
		total += w
	}
	g.placementRate = placedPersons * cfg.Scale / total
	g.vacancyRate = vacanciesPerPeriod * cfg.Scale / float64(weekdays)
	return g, nil
}

// Config is the generator's configuration with defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// Next returns the next delivery in send order; ok is false when the
// period is over and everything has been sent.
func (g *Generator) Next() (d Delivery, ok bool) {
	if _, ok := g.peek(); !ok {
		return Delivery{}, false
	}
	it := heap.Pop(&g.q).(*item)
	g.truth.apply(it)
	return it.d, true
}

// peek returns the next delivery without taking it: the simulated days
// are generated until the earliest scheduled delivery is due before the
// first day not yet generated, so nothing generated later can come first.
func (g *Generator) peek() (Delivery, bool) {
	for {
		if len(g.q) > 0 && (g.q[0].d.SendAt.Before(g.day) || g.day.After(g.last)) {
			return g.q[0].d, true
		}
		if g.day.After(g.last) {
			return Delivery{}, false
		}
		g.generate(g.day)
		g.day = g.day.AddDate(0, 0, 1)
	}
}

// Truth is the ground truth of every delivery Next has returned so far.
func (g *Generator) Truth() Truth { return g.truth.snapshot() }

// Generate returns the first n deliveries of cfg's simulation (all of
// them when n <= 0) and the truth of exactly those.
func Generate(cfg Config, n int) ([]Delivery, Truth, error) {
	g, err := New(cfg)
	if err != nil {
		return nil, Truth{}, err
	}
	var out []Delivery
	for n <= 0 || len(out) < n {
		d, ok := g.Next()
		if !ok {
			break
		}
		out = append(out, d)
	}
	return out, g.Truth(), nil
}

func dayOf(t time.Time) time.Time {
	t = t.In(copenhagen)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, copenhagen)
}

// generate schedules everything that happens on day d.
func (g *Generator) generate(d time.Time) {
	if d.Year() != g.plannedYear {
		g.plannedYear = d.Year()
		g.planYear(d)
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return
	}
	for range g.poisson(g.vacancyRate) {
		g.vacancy(d)
	}
	i := int(d.Sub(dayOf(g.cfg.Project.Start)).Hours()/24 + 0.5)
	if i < len(g.placementWeight) {
		for range g.poisson(g.placementRate * g.placementWeight[i]) {
			g.placement(g.nextPlaced, d, 0)
			g.nextPlaced++
		}
	}
}

// planYear schedules the year's fairs and course runs, from d (the
// period's first day or 1 January) to the year's end or the period's.
func (g *Generator) planYear(d time.Time) {
	end := time.Date(d.Year(), 12, 31, 0, 0, 0, 0, copenhagen)
	if end.After(g.last) {
		end = g.last
	}
	for _, s := range focusAreas {
		for range g.count(1 + g.r.IntN(2)) {
			g.fair(s, "popup_fair", g.dayBetween(d, end))
		}
		for range g.count(1 + g.r.IntN(2)) {
			g.courseRun(s, g.dayBetween(d, end))
		}
	}
	for range g.count(2) {
		g.fair(event.SectorOther, "info_meeting", g.dayBetween(d, end))
	}
}

// count scales a per-project count, at least 1.
func (g *Generator) count(n int) int {
	return max(1, int(math.Round(float64(n)*g.cfg.Scale)))
}

// dayBetween draws a weekday in [from, to], avoiding July and the
// Christmas weeks when nobody holds a job fair.
func (g *Generator) dayBetween(from, to time.Time) time.Time {
	span := int(to.Sub(from).Hours()/24) + 1
	for range 50 {
		d := from.AddDate(0, 0, g.r.IntN(span))
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || d.Month() == time.July || (d.Month() == time.December && d.Day() > 18) {
			continue
		}
		return d
	}
	return from
}

// at is a working-hours moment on day d.
func (g *Generator) at(d time.Time) time.Time {
	return d.Add(8*time.Hour + time.Duration(g.r.IntN(8*3600))*time.Second)
}

// poisson draws a Poisson count with mean lambda.
func (g *Generator) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*g.r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *Generator) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// person is the pseudonym of person i.
func (g *Generator) person(i int) string {
	for len(g.persons) <= i {
		n := len(g.persons)
		g.persons = append(g.persons, pseudonym.Derive(g.cfg.Key, fmt.Sprintf("SIM-%s-%d", g.tag, n)))
	}
	return g.persons[i]
}

// residence is where person i lives: a property of the person, drawn
// from its own random stream so it does not depend on when it is asked.
func (g *Generator) residence(i int) event.Place {
	if p, ok := g.residences[i]; ok {
		return p
	}
	r := rand.New(rand.NewPCG(g.cfg.Seed, uint64(i)+1))
	var p event.Place
	if r.Float64() < g.cfg.SEtoDK {
		p = event.Place{Country: "SE", Municipality: pick(r, seResidence)}
	} else {
		p = event.Place{Country: "DK", Municipality: pick(r, dkResidence)}
	}
	g.residences[i] = p
	return p
}

// employerFor picks one of the employers of a sector in a country; the
// pool grows with the scale.
func (g *Generator) employerFor(country string, s event.Sector) event.Employer {
	key := country + "/" + string(s)
	pool := g.employers[key]
	size := max(3, int(8*g.cfg.Scale))
	i := g.r.IntN(size)
	for len(pool) <= i {
		pool = append(pool, newEmployer(country, s, g.n.employer))
		g.n.employer++
	}
	g.employers[key] = pool
	e := pool[i]
	return event.Employer{Country: e.country, RegistrationNumber: e.reg, Name: e.name}
}

// occupation draws an occupation of sector s at a workplace in country.
func (g *Generator) occupation(country string, s event.Sector) event.Occupation {
	if country == "DK" {
		l := dkOccupations[s]
		return event.Occupation{ISCO: l[g.r.IntN(len(l))]}
	}
	l := seOccupations[s]
	ssyk := l[g.r.IntN(len(l))]
	return event.Occupation{ISCO: ssyk[:1], SSYK: ssyk}
}

// occupationTitle is an ad title: the national label of the occupation.
func occupationTitle(o event.Occupation) string {
	if g, ok := refcode.SSYK(o.SSYK); ok {
		return g.Label
	}
	if g, ok := refcode.ISCO(o.ISCO); ok {
		return g.Label
	}
	return "Job"
}

func (g *Generator) workplace(country string) event.Place {
	if country == "DK" {
		return event.Place{Country: "DK", Municipality: pick(g.r, dkWork)}
	}
	return event.Place{Country: "SE", Municipality: pick(g.r, seWork)}
}

func date(t time.Time) string { return t.In(copenhagen).Format(time.DateOnly) }

// send schedules an event that happened at occurred: normally sent
// minutes to hours later, sometimes days late, sometimes twice.
func (g *Generator) send(t event.Type, source, id string, occurred time.Time, data any, eff effect) (ce.Event, time.Time) {
	e := g.build(t, source, id, occurred, data)
	sendAt := occurred.Add(time.Duration(g.between(5*60, 6*3600)) * time.Second)
	late := g.chance(g.cfg.LateShare)
	if late {
		sendAt = occurred.AddDate(0, 0, g.between(2, 45))
	}
	g.push(Delivery{Event: e, SendAt: sendAt, Late: late}, eff)
	return e, sendAt
}

// sendAt schedules an event at a given send time, never late (used for
// retractions and corrections, which a source sends as soon as it knows).
func (g *Generator) sendAt(t event.Type, source, id string, occurred, sendAt time.Time, data any, eff effect) ce.Event {
	e := g.build(t, source, id, occurred, data)
	g.push(Delivery{Event: e, SendAt: sendAt}, eff)
	return e
}

func (g *Generator) build(t event.Type, source, id string, occurred time.Time, data any) ce.Event {
	e, err := event.New(t, source, g.tag+"-"+id, occurred, data)
	if err != nil {
		panic(fmt.Sprintf("simulation: build %s %s: %v", t, id, err)) // a bug in this package
	}
	return e
}

func (g *Generator) push(d Delivery, eff effect) {
	g.seq++
	heap.Push(&g.q, &item{d: d, seq: g.seq, eff: eff})
	if g.chance(g.cfg.DuplicateShare) {
		dup := d
		dup.Duplicate = true
		dup.SendAt = d.SendAt.Add(time.Duration(g.between(60, 72*3600)) * time.Second)
		g.seq++
		heap.Push(&g.q, &item{d: dup, seq: g.seq, eff: eff})
	}
}

// retract schedules the retraction of e, days after it was sent.
func (g *Generator) retract(e ce.Event, sentAt time.Time, reason string) time.Time {
	at := sentAt.AddDate(0, 0, g.between(3, 60))
	data := event.EventRetractedData{RetractedSource: e.Source(), RetractedID: e.ID(), Reason: reason}
	id := e.ID()[len(g.tag)+1:] + "-retracted"
	g.sendAt(event.EventRetracted, e.Source(), id, at, at, data, effect{kind: effRetraction, target: key(e.Source(), e.ID())})
	return at
}

// vacancy publishes a vacancy on day d and schedules its closing.
func (g *Generator) vacancy(d time.Time) {
	g.n.vacancy++
	vid := fmt.Sprintf("vac-%06d", g.n.vacancy)
	country, source := "DK", g.src.jobcenter
	if !g.chance(0.65) {
		country, source = "SE", g.src.af
	}
	sector := pick(g.r, sectorMix)
	positions := 1
	switch f := g.r.Float64(); {
	case f > 0.85:
		positions = g.between(3, 5)
	case f > 0.65:
		positions = 2
	}
	published := g.at(d)
	deadline := d.AddDate(0, 0, g.between(14, 45))
	data := event.VacancyPublishedData{
		VacancyID:   vid,
		Employer:    g.employerFor(country, sector),
		Workplace:   g.workplace(country),
		Occupation:  g.occupation(country, sector),
		Sector:      sector,
		Positions:   positions,
		CrossBorder: g.chance(0.85),
		Published:   date(d),
		Deadline:    date(deadline),
		Projects:    []string{g.cfg.Project.ID},
	}
	data.Title = occupationTitle(data.Occupation)
	g.send(event.VacancyPublished, source, vid+"-published", published, data,
		effect{kind: effVacancyPublished, positions: positions})

	closed := event.VacancyClosedData{VacancyID: vid, Published: date(d), Positions: positions}
	var on time.Time
	switch f := g.r.Float64(); {
	case f < 0.55:
		closed.Reason = "filled"
		closed.PositionsFilled = g.between(1, positions)
		on = d.AddDate(0, 0, g.between(10, int(deadline.Sub(d).Hours()/24)+20))
	case f < 0.70:
		closed.Reason = "withdrawn"
		on = d.AddDate(0, 0, g.between(3, int(deadline.Sub(d).Hours()/24)-1))
	default:
		closed.Reason = "expired"
		on = deadline.AddDate(0, 0, 1)
	}
	if on.After(g.last) {
		return
	}
	closed.Closed = date(on)
	g.send(event.VacancyClosed, source, vid+"-closed", g.at(on), closed, effect{kind: effVacancyClosed, reason: closed.Reason})
}

// placement starts person i's placement on day d; nth is 0 for a
// person's first placement, 1 for the second.
func (g *Generator) placement(i int, d time.Time, nth int) {
	g.n.placement++
	pid := fmt.Sprintf("pl-%06d", g.n.placement)
	res := g.residence(i)
	workCountry, source := "DK", g.src.jobcenter
	if res.Country == "DK" {
		workCountry, source = "SE", g.src.af
	}
	sector := pick(g.r, sectorMix)
	kind := pick(g.r, placementKinds)
	data := event.PlacementStartedData{
		PlacementID:  pid,
		Person:       event.Person{Pseudonym: g.person(i), Residence: res},
		Workplace:    g.workplace(workCountry),
		Employer:     g.employerFor(workCountry, sector),
		Sector:       sector,
		Occupation:   g.occupation(workCountry, sector),
		Kind:         kind,
		StatusBefore: pick(g.r, statusesBefore),
		Start:        date(d),
		Projects:     []string{g.cfg.Project.ID},
	}
	var end time.Time
	switch kind {
	case "internship":
		end = d.AddDate(0, 0, g.between(28, 90))
	case "seasonal":
		end = d.AddDate(0, 0, g.between(60, 120))
	case "wage_subsidy":
		end = d.AddDate(0, 0, g.between(120, 365))
	case "apprenticeship":
		end = d.AddDate(0, 0, g.between(730, 1460))
	}
	if !end.IsZero() {
		data.PlannedEnd = date(end)
	}
	if kind == "ordinary_job" && g.chance(0.45) {
		end = d.AddDate(0, 0, g.between(60, 700))
	}
	eff := effect{kind: effPlacementStarted, person: data.Person.Pseudonym, placement: pid,
		direction: res.Country + "->" + workCountry, sector: sector}
	started, sentAt := g.send(event.PlacementStarted, source, pid+"-started", g.at(d), data, eff)

	if g.chance(g.cfg.RetractShare) {
		// Registered in error: retracted, and half the time sent again
		// with the start date corrected. Such a placement has no end here.
		at := g.retract(started, sentAt, "placement registered with a wrong start date")
		if g.chance(0.5) {
			fixed := data
			startDay := d.AddDate(0, 0, -g.between(1, 10))
			if startDay.Before(dayOf(g.cfg.Project.Start)) {
				startDay = d.AddDate(0, 0, g.between(1, 10))
			}
			fixed.Start = date(startDay)
			g.sendAt(event.PlacementStarted, source, pid+"-started-c1", g.at(startDay), at.Add(time.Minute), fixed, eff)
		}
		return
	}
	if end.IsZero() || end.After(g.last) {
		return
	}
	reason := pick(g.r, endReasons)
	if data.PlannedEnd != "" && !end.Before(d) {
		reason = "contract_ended"
	}
	ended := event.PlacementEndedData{PlacementID: pid, Person: data.Person.Pseudonym, Start: data.Start, End: date(end), Reason: reason}
	g.send(event.PlacementEnded, source, pid+"-ended", g.at(end), ended, effect{kind: effPlacementEnded})
	if nth == 0 && g.chance(secondPlacement) {
		again := end.AddDate(0, 0, g.between(7, 90))
		for again.Weekday() == time.Saturday || again.Weekday() == time.Sunday {
			again = again.AddDate(0, 0, 1)
		}
		if !again.After(g.last.AddDate(0, 0, -14)) {
			g.placement(i, again, 1)
		}
	}
}

// activityPerson draws a participant of fairs and courses; about a fifth
// of them are (or will be) placed persons.
func (g *Generator) activityPerson() int {
	return g.r.IntN(max(1, int(activityPool*g.cfg.Scale)))
}

// fair schedules a fair of sector s on day d with its sign-ups.
func (g *Generator) fair(s event.Sector, kind string, d time.Time) {
	g.n.fair++
	fid := fmt.Sprintf("fair-%04d", g.n.fair)
	loc := event.Place{Country: "DK", Municipality: "217"}
	if g.chance(0.4) {
		loc = event.Place{Country: "SE", Municipality: "1283"}
	}
	first := g.cfg.Project.Start
	announce := d.AddDate(0, 0, -g.between(21, 45))
	if announce.Before(first) {
		announce = first
	}
	if announce.Before(g.day) {
		announce = g.day
	}
	orgs := []string{organisers[0], organisers[1]}
	if g.chance(0.5) {
		orgs = append(orgs, organisers[2])
	}
	capacity := g.between(40, 120)
	data := event.FairScheduledData{
		FairID: fid, Kind: kind, Title: fairTitles[s], Date: date(d), Location: loc, Sector: s,
		Organisers: orgs, Capacity: capacity, Projects: []string{g.cfg.Project.ID},
	}
	g.send(event.FairScheduled, g.src.fairs, fid+"-scheduled", g.at(announce), data, effect{kind: effFairScheduled})

	window := max(1, int(d.Sub(announce).Hours()/24))
	persons := map[int]bool{}
	for range int(float64(capacity) * (0.4 + 0.5*g.r.Float64())) {
		p := g.activityPerson()
		if persons[p] {
			continue // one registration per person and fair
		}
		persons[p] = true
		who := g.person(p)
		person := &event.Person{Pseudonym: who, Residence: g.residence(p)}
		regDay := announce.AddDate(0, 0, g.r.IntN(window))
		base := fmt.Sprintf("%s-p%d", fid, p)
		reg, sentAt := g.send(event.FairSignup, g.src.fairs, base+"-registered", g.at(regDay),
			event.FairSignupData{FairID: fid, Action: "registered", Date: date(regDay), Person: person, Projects: data.Projects},
			effect{kind: effSignup, action: "registered", person: who})
		if g.chance(g.cfg.RetractShare) {
			g.retract(reg, sentAt, "registered twice by mistake")
			continue
		}
		switch {
		case g.chance(0.10):
			off := regDay.AddDate(0, 0, g.r.IntN(max(1, int(d.Sub(regDay).Hours()/24))))
			g.send(event.FairSignup, g.src.fairs, base+"-cancelled", g.at(off),
				event.FairSignupData{FairID: fid, Action: "cancelled", Date: date(off), Person: person, Projects: data.Projects},
				effect{kind: effSignup, action: "cancelled", person: who})
		case g.chance(0.75):
			g.send(event.FairSignup, g.src.fairs, base+"-attended", g.at(d),
				event.FairSignupData{FairID: fid, Action: "attended", Date: date(d), Person: person, Projects: data.Projects},
				effect{kind: effSignup, action: "attended", person: who})
		}
	}
	if kind == "info_meeting" {
		return
	}
	for j := range g.between(4, 12) {
		country := loc.Country
		if g.chance(0.3) {
			country = map[string]string{"DK": "SE", "SE": "DK"}[country]
		}
		emp := g.employerFor(country, s)
		base := fmt.Sprintf("%s-e%d", fid, j)
		regDay := announce.AddDate(0, 0, g.r.IntN(window))
		g.send(event.FairSignup, g.src.fairs, base+"-registered", g.at(regDay),
			event.FairSignupData{FairID: fid, Action: "registered", Date: date(regDay), Employer: &emp, Projects: data.Projects},
			effect{kind: effSignup, action: "registered", employer: true})
		if g.chance(0.9) {
			g.send(event.FairSignup, g.src.fairs, base+"-attended", g.at(d),
				event.FairSignupData{FairID: fid, Action: "attended", Date: date(d), Employer: &emp, Projects: data.Projects},
				effect{kind: effSignup, action: "attended", employer: true})
		}
	}
}

// courseRun completes a run of sector s's course on day d.
func (g *Generator) courseRun(s event.Sector, d time.Time) {
	cid := fmt.Sprintf("course-%s-%d", s, d.Year())
	g.n.fair++ // run numbers share the fair counter: unique, and no extra state
	rid := fmt.Sprintf("run-%04d", g.n.fair)
	hours := []float64{37.5, 74, 120, 160, 240}[g.r.IntN(5)]
	seen := map[int]bool{}
	for range g.between(8, 16) {
		p := g.activityPerson()
		if seen[p] {
			continue
		}
		seen[p] = true
		status := pick(g.r, completionStatuses)
		data := event.CourseCompletedData{
			CourseID: cid, RunID: rid, Title: courseTitles[s], Provider: providers[s], Sector: s,
			Person: event.Person{Pseudonym: g.person(p), Residence: g.residence(p)},
			Hours:  hours, Completed: date(d), Status: status, Projects: []string{g.cfg.Project.ID},
		}
		g.send(event.CourseCompleted, g.src.school, fmt.Sprintf("%s-p%d-completed", rid, p), g.at(d), data,
			effect{kind: effCompleted, person: data.Person.Pseudonym, status: status})
	}
}

// item is a scheduled delivery.
type item struct {
	d   Delivery
	seq uint64 // ties in SendAt go in scheduling order
	eff effect
}

// queue is a min-heap of deliveries by send time.
type queue []*item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].d.SendAt.Equal(q[j].d.SendAt) {
		return q[i].d.SendAt.Before(q[j].d.SendAt)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
