package simulation

import "maps"

// Truth is what the events delivered so far amount to once duplicates
// are dropped and retractions applied: the figures a correct projection
// must show. Directions are written residence->work, e.g. SE->DK.
type Truth struct {
	Deliveries  int `json:"deliveries"`  // everything sent, re-sends included
	Events      int `json:"events"`      // distinct (source, id) delivered
	Duplicates  int `json:"duplicates"`  // re-sends of an event delivered before
	Late        int `json:"late"`        // events sent days after they happened
	Retractions int `json:"retractions"` // retraction events (distinct)
	Retracted   int `json:"retracted"`   // distinct events named by a delivered retraction, whether or not they were delivered themselves

	// Effective counts the events that stand, by type: delivered once or
	// more, not retracted; retractions themselves are not in it.
	Effective map[string]int `json:"effective"`

	PersonsByDirection    map[string]int `json:"persons_by_direction"`    // distinct persons with a placement that stands
	PlacementsByDirection map[string]int `json:"placements_by_direction"` // distinct placement ids that stand
	PlacementsBySector    map[string]int `json:"placements_by_sector"`
	PersonsPlacedTwice    int            `json:"persons_placed_twice"` // persons with two or more placements that stand
	PlacementsEnded       int            `json:"placements_ended"`

	VacanciesPublished      int            `json:"vacancies_published"`
	PositionsPublished      int            `json:"positions_published"`
	VacanciesClosedByReason map[string]int `json:"vacancies_closed_by_reason"`

	FairsScheduled  int            `json:"fairs_scheduled"`
	SignupsByAction map[string]int `json:"signups_by_action"` // persons and employers
	EmployerSignups int            `json:"employer_signups"`
	FairAttendees   int            `json:"fair_attendees"` // distinct persons with an attended sign-up that stands

	CompletionsByStatus map[string]int `json:"completions_by_status"`
	CourseParticipants  int            `json:"course_participants"` // distinct persons who completed a course
}

type effKind int

const (
	effNone effKind = iota
	effVacancyPublished
	effVacancyClosed
	effFairScheduled
	effSignup
	effCompleted
	effPlacementStarted
	effPlacementEnded
	effRetraction
)

// effect is what one event means for the truth.
type effect struct {
	kind      effKind
	person    string
	placement string
	direction string
	sector    string
	action    string
	status    string
	reason    string
	positions int
	employer  bool
	target    string // a retraction's target: key(source, id)
	typ       string // the event's type, set when it is kept for a retraction
}

func key(source, id string) string { return source + "\x00" + id }

// tally keeps the truth as deliveries come out of the generator.
type tally struct {
	t         Truth
	delivered map[string]bool
	retracted map[string]bool
	effects   map[string]effect // of delivered events a retraction could still undo

	placementEvents map[string]int            // placement id -> events that stand
	personPlaced    map[string]map[string]int // person -> direction -> placements that stand
	attended        map[string]int            // person -> attended sign-ups that stand
	completed       map[string]bool
}

func newTally() *tally {
	return &tally{
		t: Truth{
			Effective: map[string]int{}, PersonsByDirection: map[string]int{}, PlacementsByDirection: map[string]int{},
			PlacementsBySector: map[string]int{}, VacanciesClosedByReason: map[string]int{},
			SignupsByAction: map[string]int{}, CompletionsByStatus: map[string]int{},
		},
		delivered: map[string]bool{}, retracted: map[string]bool{}, effects: map[string]effect{},
		placementEvents: map[string]int{}, personPlaced: map[string]map[string]int{},
		attended: map[string]int{}, completed: map[string]bool{},
	}
}

func (ta *tally) apply(it *item) {
	t := &ta.t
	t.Deliveries++
	e := it.d.Event
	k := key(e.Source(), e.ID())
	if ta.delivered[k] {
		t.Duplicates++
		return
	}
	ta.delivered[k] = true
	t.Events++
	if it.d.Late {
		t.Late++
	}
	if it.eff.kind == effRetraction {
		t.Retractions++
		if ta.retracted[it.eff.target] {
			return
		}
		ta.retracted[it.eff.target] = true
		t.Retracted++
		if eff, ok := ta.effects[it.eff.target]; ok {
			t.Effective[eff.typ]--
			ta.count(eff, -1)
			delete(ta.effects, it.eff.target)
		}
		return
	}
	if ta.retracted[k] {
		return // its retraction came first
	}
	t.Effective[e.Type()]++
	ta.count(it.eff, +1)
	if it.eff.kind == effPlacementStarted || it.eff.kind == effSignup {
		eff := it.eff
		eff.typ = e.Type()
		ta.effects[k] = eff
	}
}

// count adds (sign +1) or removes (-1) an event's contribution.
func (ta *tally) count(eff effect, sign int) {
	t := &ta.t
	switch eff.kind {
	case effVacancyPublished:
		t.VacanciesPublished += sign
		t.PositionsPublished += sign * eff.positions
	case effVacancyClosed:
		t.VacanciesClosedByReason[eff.reason] += sign
	case effFairScheduled:
		t.FairsScheduled += sign
	case effSignup:
		t.SignupsByAction[eff.action] += sign
		if eff.employer {
			t.EmployerSignups += sign
		} else if eff.action == "attended" {
			before := ta.attended[eff.person]
			ta.attended[eff.person] += sign
			t.FairAttendees += boolInt(ta.attended[eff.person] > 0) - boolInt(before > 0)
		}
	case effCompleted:
		t.CompletionsByStatus[eff.status] += sign
		if !ta.completed[eff.person] {
			ta.completed[eff.person] = true
			t.CourseParticipants++
		}
	case effPlacementEnded:
		t.PlacementsEnded += sign
	case effPlacementStarted:
		before := ta.placementEvents[eff.placement]
		ta.placementEvents[eff.placement] += sign
		after := ta.placementEvents[eff.placement]
		if (before > 0) == (after > 0) {
			return // a correction beside its original: still one placement
		}
		d := boolInt(after > 0) - boolInt(before > 0)
		t.PlacementsByDirection[eff.direction] += d
		t.PlacementsBySector[eff.sector] += d
		dirs := ta.personPlaced[eff.person]
		if dirs == nil {
			dirs = map[string]int{}
			ta.personPlaced[eff.person] = dirs
		}
		totalBefore := sum(dirs)
		n := dirs[eff.direction]
		dirs[eff.direction] += d
		t.PersonsByDirection[eff.direction] += boolInt(dirs[eff.direction] > 0) - boolInt(n > 0)
		t.PersonsPlacedTwice += boolInt(sum(dirs) >= 2) - boolInt(totalBefore >= 2)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (ta *tally) snapshot() Truth {
	t := ta.t
	t.Effective = maps.Clone(t.Effective)
	t.PersonsByDirection = maps.Clone(t.PersonsByDirection)
	t.PlacementsByDirection = maps.Clone(t.PlacementsByDirection)
	t.PlacementsBySector = maps.Clone(t.PlacementsBySector)
	t.VacanciesClosedByReason = maps.Clone(t.VacanciesClosedByReason)
	t.SignupsByAction = maps.Clone(t.SignupsByAction)
	t.CompletionsByStatus = maps.Clone(t.CompletionsByStatus)
	return t
}
