package store

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"time"
	"unsafe"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	// The projector decodes every event's data into its typed struct;
	// go-json does it about 4x faster than encoding/json, with the same
	// rules (the data was validated before).
	json "github.com/goccy/go-json"

	"github.com/sundflow/sundflow/pkg/event"
)

// Meta is where the projector found an event in JetStream.
type Meta struct {
	// Subject is the NATS subject the event was stored under.
	Subject string
	// Seq is its sequence number in the events stream.
	Seq uint64
	// Received is when JetStream stored it.
	Received time.Time
}

// Batch buffers rows for every table until [Writer.Write] inserts them, one
// block per table. Add maps an event to its rows; a Batch is reused after
// Reset so a long backlog costs no more memory than one batch.
type Batch struct {
	events             *eventsTable
	vacanciesPublished *vacanciesPublishedTable
	vacanciesClosed    *vacanciesClosedTable
	fairsScheduled     *fairsScheduledTable
	fairSignups        *fairSignupsTable
	courseCompletions  *courseCompletionsTable
	placementsStarted  *placementsStartedTable
	placementsEnded    *placementsEndedTable
	retractions        *retractionsTable
	tables             []*table
	counts             map[event.Type]int
	// uris remembers the text of the source and dataschema URIs met: a
	// source system sends all its events with one source, and writing a
	// URL out again took a microsecond of every event.
	uris map[url.URL]string
}

// maxURIs bounds Batch.uris.
const maxURIs = 256

// uriText is u.String(), remembered.
func (b *Batch) uriText(u *url.URL) string {
	if s, ok := b.uris[*u]; ok {
		return s
	}
	s := u.String()
	if len(b.uris) >= maxURIs {
		clear(b.uris)
	}
	b.uris[*u] = s
	return s
}

// NewBatch returns an empty batch.
func NewBatch() *Batch {
	b := &Batch{
		events:             newEventsTable(),
		vacanciesPublished: newVacanciesPublishedTable(),
		vacanciesClosed:    newVacanciesClosedTable(),
		fairsScheduled:     newFairsScheduledTable(),
		fairSignups:        newFairSignupsTable(),
		courseCompletions:  newCourseCompletionsTable(),
		placementsStarted:  newPlacementsStartedTable(),
		placementsEnded:    newPlacementsEndedTable(),
		retractions:        newRetractionsTable(),
		counts:             map[event.Type]int{},
		uris:               map[url.URL]string{},
	}
	b.tables = []*table{
		&b.events.table,
		&b.vacanciesPublished.table, &b.vacanciesClosed.table,
		&b.fairsScheduled.table, &b.fairSignups.table,
		&b.courseCompletions.table,
		&b.placementsStarted.table, &b.placementsEnded.table,
		&b.retractions.table,
	}
	return b
}

// Len is the number of events added since the last Reset.
func (b *Batch) Len() int { return b.events.rows }

// Rows is the number of rows the batch holds, every table's together.
func (b *Batch) Rows() int {
	n := 0
	for _, t := range b.tables {
		n += t.rows
	}
	return n
}

// Tables is the number of tables the batch has rows for: the inserts a
// [Writer.Write] of it alone makes.
func (b *Batch) Tables() int {
	n := 0
	for _, t := range b.tables {
		if t.rows > 0 {
			n++
		}
	}
	return n
}

// Counts returns the number of events added per type.
func (b *Batch) Counts() map[event.Type]int { return b.counts }

// Reset empties the batch, keeping its buffers.
func (b *Batch) Reset() {
	for _, t := range b.tables {
		t.reset()
	}
	clear(b.counts)
}

// Add maps a validated event to a row of the raw events table and one of
// its typed table. On error (matching [ErrUnmappable]) nothing is added.
func (b *Batch) Add(e ce.Event, m Meta) error {
	row, err := b.newRawRow(e, m)
	if err != nil {
		return err
	}
	raw := &row
	t := event.Type(e.Type())
	switch t {
	case event.VacancyPublished:
		var d event.VacancyPublishedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.vacanciesPublished.add(raw, &d); err != nil {
			return err
		}
	case event.VacancyClosed:
		var d event.VacancyClosedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.vacanciesClosed.add(raw, &d); err != nil {
			return err
		}
	case event.FairScheduled:
		var d event.FairScheduledData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.fairsScheduled.add(raw, &d); err != nil {
			return err
		}
	case event.FairSignup:
		var d event.FairSignupData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.fairSignups.add(raw, &d); err != nil {
			return err
		}
	case event.CourseCompleted:
		var d event.CourseCompletedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.courseCompletions.add(raw, &d); err != nil {
			return err
		}
	case event.PlacementStarted:
		var d event.PlacementStartedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.placementsStarted.add(raw, &d); err != nil {
			return err
		}
	case event.PlacementEnded:
		var d event.PlacementEndedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := b.placementsEnded.add(raw, &d); err != nil {
			return err
		}
	case event.EventRetracted:
		var d event.EventRetractedData
		if err := decode(e, &d); err != nil {
			return err
		}
		b.retractions.add(raw, &d)
	default:
		return fmt.Errorf("type %q has no table: %w", t, ErrUnmappable)
	}
	b.events.add(raw)
	b.counts[t]++
	return nil
}

func decode(e ce.Event, v any) error {
	if err := json.Unmarshal(e.Data(), v); err != nil {
		return fmt.Errorf("decode data of %s: %v: %w", e.Type(), err, ErrUnmappable)
	}
	return nil
}

// ClickHouse's Date holds 1970-01-01 to 2149-06-06 and DateTime up to
// 2106-02-07; dates outside [minDate, maxDate] would wrap around silently.
var (
	minDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC)
)

// date parses a data field's YYYY-MM-DD.
func date(field, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("data.%s %q is not a YYYY-MM-DD date: %w", field, s, ErrUnmappable)
	}
	if d.Before(minDate) || d.After(maxDate) {
		return time.Time{}, fmt.Errorf("data.%s %s is outside the dates stored (1970-01-01 to 2105-12-31): %w", field, s, ErrUnmappable)
	}
	return d, nil
}

// optDate parses an optional date; "" is NULL.
func optDate(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	d, err := date(field, s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func count(field string, n int) (uint32, error) {
	if n < 0 || n > math.MaxUint32 {
		return 0, fmt.Errorf("data.%s %d is outside 0 to %d: %w", field, n, uint32(math.MaxUint32), ErrUnmappable)
	}
	return uint32(n), nil
}

func optCount(field string, n int) (*uint32, error) {
	if n == 0 {
		return nil, nil
	}
	c, err := count(field, n)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func nonNil(p []string) []string {
	if p == nil {
		return []string{}
	}
	return p
}

func iscoMajor(isco string) string {
	if isco == "" {
		return ""
	}
	return isco[:1]
}

func boolU8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// rawRow is the events-table row of one event, and the key columns of its
// typed row.
type rawRow struct {
	source, id, typ, specversion, subject string
	time                                  time.Time
	timeNS                                uint32
	datacontenttype, dataschema           string
	extNames, extValues                   []string
	data                                  string
	natsSubject                           string
	seq                                   uint64
	received                              time.Time
}

// sharedString returns b as a string without copying it: an event's
// encoded data is never modified once decoded, and a backlog's worth of
// events would otherwise hold every payload twice while a batch is built.
func sharedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Key returns e's source, id and type as the batch stores them, without
// the copies of e's context that its getters make.
func (b *Batch) Key(e ce.Event) (source, id, typ string) {
	if ec, ok := e.Context.(*ce.EventContextV1); ok {
		return b.uriText(&ec.Source.URL), ec.ID, ec.Type
	}
	return e.Source(), e.ID(), e.Type()
}

// contextFields are the parts of an event's context a row stores.
type contextFields struct {
	source, id, typ, specversion, subject, datacontenttype, dataschema string
	time                                                               time.Time
	ext                                                                map[string]any
}

// contextOf reads e's context. A CloudEvents 1.0 context (every event the
// validator makes) is read field by field, with the URLs' text
// remembered: its getters copy the whole context at each call and write
// the URLs out anew. Any other context is read through its getters.
func (b *Batch) contextOf(e ce.Event) contextFields {
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		return contextByGetters(e)
	}
	c := contextFields{source: b.uriText(&ec.Source.URL), id: ec.ID, typ: ec.Type, specversion: ce.CloudEventsVersionV1, ext: ec.Extensions}
	if ec.Subject != nil {
		c.subject = *ec.Subject
	}
	if ec.DataContentType != nil {
		c.datacontenttype = *ec.DataContentType
	}
	if ec.DataSchema != nil {
		c.dataschema = b.uriText(&ec.DataSchema.URL)
	}
	if ec.Time != nil {
		c.time = ec.Time.Time
	}
	return c
}

func contextByGetters(e ce.Event) contextFields {
	return contextFields{source: e.Source(), id: e.ID(), typ: e.Type(), specversion: e.SpecVersion(),
		subject: e.Subject(), datacontenttype: e.DataContentType(), dataschema: e.DataSchema(),
		time: e.Time(), ext: e.Extensions()}
}

func (b *Batch) newRawRow(e ce.Event, m Meta) (rawRow, error) {
	c := b.contextOf(e)
	r := rawRow{
		source:          c.source,
		id:              c.id,
		typ:             c.typ,
		specversion:     c.specversion,
		subject:         c.subject,
		datacontenttype: c.datacontenttype,
		dataschema:      c.dataschema,
		data:            sharedString(e.Data()),
		natsSubject:     m.Subject,
		seq:             m.Seq,
		received:        m.Received.UTC(),
		extNames:        []string{},
		extValues:       []string{},
	}
	t, ext := c.time, c.ext
	if r.source == "" || r.id == "" {
		return r, fmt.Errorf("event without source or id: %w", ErrUnmappable)
	}
	if t.IsZero() {
		t = minDate // time is optional in CloudEvents; absent is stored as 1970-01-01
	}
	if t.Before(minDate) || t.After(maxDate) {
		return r, fmt.Errorf("time %s is outside the times stored (1970 to 2105): %w", t.Format(time.RFC3339), ErrUnmappable)
	}
	r.time = t.UTC().Truncate(time.Second)
	r.timeNS = uint32(t.Nanosecond())
	if r.received.Before(minDate) {
		r.received = minDate
	}
	if len(ext) > 0 {
		for name := range ext {
			r.extNames = append(r.extNames, name)
		}
		sort.Strings(r.extNames)
		for _, name := range r.extNames {
			v, err := types.Format(ext[name])
			if err != nil {
				return r, fmt.Errorf("extension %s: %v: %w", name, err, ErrUnmappable)
			}
			r.extValues = append(r.extValues, v)
		}
	}
	return r, nil
}

type eventsTable struct {
	table
	source, id, typ, specversion, subject *col[string]
	time                                  *col[time.Time]
	timeNS                                *col[uint32]
	datacontenttype, dataschema           *col[string]
	extNames, extValues                   *col[[]string]
	data, natsSubject                     *col[string]
	seq                                   *col[uint64]
	received                              *col[time.Time]
}

func newEventsTable() *eventsTable {
	t := &eventsTable{table: table{name: TableEvents}}
	t.source = newCol[string](&t.table, "source")
	t.id = newCol[string](&t.table, "id")
	t.typ = newCol[string](&t.table, "type")
	t.specversion = newCol[string](&t.table, "specversion")
	t.subject = newCol[string](&t.table, "subject")
	t.time = newCol[time.Time](&t.table, "time")
	t.timeNS = newCol[uint32](&t.table, "time_ns")
	t.datacontenttype = newCol[string](&t.table, "datacontenttype")
	t.dataschema = newCol[string](&t.table, "dataschema")
	t.extNames = newCol[[]string](&t.table, "extension_names")
	t.extValues = newCol[[]string](&t.table, "extension_values")
	t.data = newCol[string](&t.table, "data")
	t.natsSubject = newCol[string](&t.table, "nats_subject")
	t.seq = newCol[uint64](&t.table, "seq")
	t.received = newCol[time.Time](&t.table, "received")
	return t
}

func (t *eventsTable) add(r *rawRow) {
	t.source.add(r.source)
	t.id.add(r.id)
	t.typ.add(r.typ)
	t.specversion.add(r.specversion)
	t.subject.add(r.subject)
	t.time.add(r.time)
	t.timeNS.add(r.timeNS)
	t.datacontenttype.add(r.datacontenttype)
	t.dataschema.add(r.dataschema)
	t.extNames.add(r.extNames)
	t.extValues.add(r.extValues)
	t.data.add(r.data)
	t.natsSubject.add(r.natsSubject)
	t.seq.add(r.seq)
	t.received.add(r.received)
	t.rows++
}

type vacanciesPublishedTable struct {
	table
	key                                                            keyCols
	vacancyID, title, employerCountry, employerRegNo, employerName *col[string]
	workCountry, workMunicipality, isco, iscoMajor, disco, ssyk    *col[string]
	sector                                                         *col[string]
	positions                                                      *col[uint32]
	crossBorder                                                    *col[uint8]
	published                                                      *col[time.Time]
	deadline                                                       *col[*time.Time]
	projects                                                       *col[[]string]
}

func newVacanciesPublishedTable() *vacanciesPublishedTable {
	t := &vacanciesPublishedTable{table: table{name: TableVacanciesPublished}}
	t.key = newKeyCols(&t.table)
	t.vacancyID = newCol[string](&t.table, "vacancy_id")
	t.title = newCol[string](&t.table, "title")
	t.employerCountry = newCol[string](&t.table, "employer_country")
	t.employerRegNo = newCol[string](&t.table, "employer_registration_number")
	t.employerName = newCol[string](&t.table, "employer_name")
	t.workCountry = newCol[string](&t.table, "work_country")
	t.workMunicipality = newCol[string](&t.table, "work_municipality")
	t.isco = newCol[string](&t.table, "isco")
	t.iscoMajor = newCol[string](&t.table, "isco_major")
	t.disco = newCol[string](&t.table, "disco")
	t.ssyk = newCol[string](&t.table, "ssyk")
	t.sector = newCol[string](&t.table, "sector")
	t.positions = newCol[uint32](&t.table, "positions")
	t.crossBorder = newCol[uint8](&t.table, "cross_border")
	t.published = newCol[time.Time](&t.table, "published_date")
	t.deadline = newCol[*time.Time](&t.table, "deadline_date")
	t.projects = newCol[[]string](&t.table, "projects")
	return t
}

func (t *vacanciesPublishedTable) add(r *rawRow, d *event.VacancyPublishedData) error {
	positions, err := count("positions", d.Positions)
	if err != nil {
		return err
	}
	published, err := date("published", d.Published)
	if err != nil {
		return err
	}
	deadline, err := optDate("deadline", d.Deadline)
	if err != nil {
		return err
	}
	t.key.add(r)
	t.vacancyID.add(d.VacancyID)
	t.title.add(d.Title)
	t.employerCountry.add(d.Employer.Country)
	t.employerRegNo.add(d.Employer.RegistrationNumber)
	t.employerName.add(d.Employer.Name)
	t.workCountry.add(d.Workplace.Country)
	t.workMunicipality.add(d.Workplace.Municipality)
	t.isco.add(d.Occupation.ISCO)
	t.iscoMajor.add(iscoMajor(d.Occupation.ISCO))
	t.disco.add(d.Occupation.DISCO)
	t.ssyk.add(d.Occupation.SSYK)
	t.sector.add(d.Sector)
	t.positions.add(positions)
	t.crossBorder.add(boolU8(d.CrossBorder))
	t.published.add(published)
	t.deadline.add(deadline)
	t.projects.add(nonNil(d.Projects))
	t.rows++
	return nil
}

type vacanciesClosedTable struct {
	table
	key               keyCols
	vacancyID, reason *col[string]
	closed            *col[time.Time]
	published         *col[*time.Time]
	positions         *col[*uint32]
	positionsFilled   *col[uint32]
}

func newVacanciesClosedTable() *vacanciesClosedTable {
	t := &vacanciesClosedTable{table: table{name: TableVacanciesClosed}}
	t.key = newKeyCols(&t.table)
	t.vacancyID = newCol[string](&t.table, "vacancy_id")
	t.reason = newCol[string](&t.table, "reason")
	t.closed = newCol[time.Time](&t.table, "closed_date")
	t.published = newCol[*time.Time](&t.table, "published_date")
	t.positions = newCol[*uint32](&t.table, "positions")
	t.positionsFilled = newCol[uint32](&t.table, "positions_filled")
	return t
}

func (t *vacanciesClosedTable) add(r *rawRow, d *event.VacancyClosedData) error {
	closed, err := date("closed", d.Closed)
	if err != nil {
		return err
	}
	published, err := optDate("published", d.Published)
	if err != nil {
		return err
	}
	positions, err := optCount("positions", d.Positions)
	if err != nil {
		return err
	}
	filled, err := count("positions_filled", d.PositionsFilled)
	if err != nil {
		return err
	}
	t.key.add(r)
	t.vacancyID.add(d.VacancyID)
	t.reason.add(d.Reason)
	t.closed.add(closed)
	t.published.add(published)
	t.positions.add(positions)
	t.positionsFilled.add(filled)
	t.rows++
	return nil
}

type fairsScheduledTable struct {
	table
	key                           keyCols
	fairID, kind, title           *col[string]
	date                          *col[time.Time]
	endDate                       *col[*time.Time]
	country, municipality, sector *col[string]
	organisers                    *col[[]string]
	capacity                      *col[*uint32]
	projects                      *col[[]string]
}

func newFairsScheduledTable() *fairsScheduledTable {
	t := &fairsScheduledTable{table: table{name: TableFairsScheduled}}
	t.key = newKeyCols(&t.table)
	t.fairID = newCol[string](&t.table, "fair_id")
	t.kind = newCol[string](&t.table, "kind")
	t.title = newCol[string](&t.table, "title")
	t.date = newCol[time.Time](&t.table, "fair_date")
	t.endDate = newCol[*time.Time](&t.table, "end_date")
	t.country = newCol[string](&t.table, "country")
	t.municipality = newCol[string](&t.table, "municipality")
	t.sector = newCol[string](&t.table, "sector")
	t.organisers = newCol[[]string](&t.table, "organisers")
	t.capacity = newCol[*uint32](&t.table, "capacity")
	t.projects = newCol[[]string](&t.table, "projects")
	return t
}

func (t *fairsScheduledTable) add(r *rawRow, d *event.FairScheduledData) error {
	day, err := date("date", d.Date)
	if err != nil {
		return err
	}
	end, err := optDate("end_date", d.EndDate)
	if err != nil {
		return err
	}
	capacity, err := optCount("capacity", d.Capacity)
	if err != nil {
		return err
	}
	t.key.add(r)
	t.fairID.add(d.FairID)
	t.kind.add(d.Kind)
	t.title.add(d.Title)
	t.date.add(day)
	t.endDate.add(end)
	t.country.add(d.Location.Country)
	t.municipality.add(d.Location.Municipality)
	t.sector.add(d.Sector)
	t.organisers.add(nonNil(d.Organisers))
	t.capacity.add(capacity)
	t.projects.add(nonNil(d.Projects))
	t.rows++
	return nil
}

type fairSignupsTable struct {
	table
	key                                                 keyCols
	fairID, action                                      *col[string]
	date                                                *col[time.Time]
	participant, pseudonym, resCountry, resMunicipality *col[string]
	employerCountry, employerRegNo, employerName        *col[string]
	projects                                            *col[[]string]
}

func newFairSignupsTable() *fairSignupsTable {
	t := &fairSignupsTable{table: table{name: TableFairSignups}}
	t.key = newKeyCols(&t.table)
	t.fairID = newCol[string](&t.table, "fair_id")
	t.action = newCol[string](&t.table, "action")
	t.date = newCol[time.Time](&t.table, "action_date")
	t.participant = newCol[string](&t.table, "participant")
	t.pseudonym = newCol[string](&t.table, "pseudonym")
	t.resCountry = newCol[string](&t.table, "residence_country")
	t.resMunicipality = newCol[string](&t.table, "residence_municipality")
	t.employerCountry = newCol[string](&t.table, "employer_country")
	t.employerRegNo = newCol[string](&t.table, "employer_registration_number")
	t.employerName = newCol[string](&t.table, "employer_name")
	t.projects = newCol[[]string](&t.table, "projects")
	return t
}

// Participant kinds of a fair sign-up.
const (
	ParticipantPerson   = "person"
	ParticipantEmployer = "employer"
)

func (t *fairSignupsTable) add(r *rawRow, d *event.FairSignupData) error {
	day, err := date("date", d.Date)
	if err != nil {
		return err
	}
	var p event.Person
	var emp event.Employer
	var kind string
	switch {
	case d.Person != nil && d.Employer == nil:
		kind, p = ParticipantPerson, *d.Person
	case d.Employer != nil && d.Person == nil:
		kind, emp = ParticipantEmployer, *d.Employer
	default:
		return fmt.Errorf("data: a sign-up needs exactly one of person and employer: %w", ErrUnmappable)
	}
	t.key.add(r)
	t.fairID.add(d.FairID)
	t.action.add(d.Action)
	t.date.add(day)
	t.participant.add(kind)
	t.pseudonym.add(p.Pseudonym)
	t.resCountry.add(p.Residence.Country)
	t.resMunicipality.add(p.Residence.Municipality)
	t.employerCountry.add(emp.Country)
	t.employerRegNo.add(emp.RegistrationNumber)
	t.employerName.add(emp.Name)
	t.projects.add(nonNil(d.Projects))
	t.rows++
	return nil
}

type courseCompletionsTable struct {
	table
	key                                                 keyCols
	courseID, runID, title, provider, sector, pseudonym *col[string]
	resCountry, resMunicipality                         *col[string]
	hours                                               *col[float64]
	completed                                           *col[time.Time]
	status                                              *col[string]
	projects                                            *col[[]string]
}

func newCourseCompletionsTable() *courseCompletionsTable {
	t := &courseCompletionsTable{table: table{name: TableCourseCompletions}}
	t.key = newKeyCols(&t.table)
	t.courseID = newCol[string](&t.table, "course_id")
	t.runID = newCol[string](&t.table, "run_id")
	t.title = newCol[string](&t.table, "title")
	t.provider = newCol[string](&t.table, "provider")
	t.sector = newCol[string](&t.table, "sector")
	t.pseudonym = newCol[string](&t.table, "pseudonym")
	t.resCountry = newCol[string](&t.table, "residence_country")
	t.resMunicipality = newCol[string](&t.table, "residence_municipality")
	t.hours = newCol[float64](&t.table, "hours")
	t.completed = newCol[time.Time](&t.table, "completed_date")
	t.status = newCol[string](&t.table, "status")
	t.projects = newCol[[]string](&t.table, "projects")
	return t
}

func (t *courseCompletionsTable) add(r *rawRow, d *event.CourseCompletedData) error {
	completed, err := date("completed", d.Completed)
	if err != nil {
		return err
	}
	if math.IsNaN(d.Hours) || math.IsInf(d.Hours, 0) || d.Hours < 0 {
		return fmt.Errorf("data.hours %v is not a non-negative number: %w", d.Hours, ErrUnmappable)
	}
	t.key.add(r)
	t.courseID.add(d.CourseID)
	t.runID.add(d.RunID)
	t.title.add(d.Title)
	t.provider.add(d.Provider)
	t.sector.add(d.Sector)
	t.pseudonym.add(d.Person.Pseudonym)
	t.resCountry.add(d.Person.Residence.Country)
	t.resMunicipality.add(d.Person.Residence.Municipality)
	t.hours.add(d.Hours)
	t.completed.add(completed)
	t.status.add(d.Status)
	t.projects.add(nonNil(d.Projects))
	t.rows++
	return nil
}

type placementsStartedTable struct {
	table
	key                                                      keyCols
	placementID, pseudonym, resCountry, resMunicipality      *col[string]
	workCountry, workMunicipality, direction                 *col[string]
	employerCountry, employerRegNo, employerName             *col[string]
	sector, isco, iscoMajor, disco, ssyk, kind, statusBefore *col[string]
	start                                                    *col[time.Time]
	plannedEnd                                               *col[*time.Time]
	projects                                                 *col[[]string]
}

func newPlacementsStartedTable() *placementsStartedTable {
	t := &placementsStartedTable{table: table{name: TablePlacementsStarted}}
	t.key = newKeyCols(&t.table)
	t.placementID = newCol[string](&t.table, "placement_id")
	t.pseudonym = newCol[string](&t.table, "pseudonym")
	t.resCountry = newCol[string](&t.table, "residence_country")
	t.resMunicipality = newCol[string](&t.table, "residence_municipality")
	t.workCountry = newCol[string](&t.table, "work_country")
	t.workMunicipality = newCol[string](&t.table, "work_municipality")
	t.direction = newCol[string](&t.table, "direction")
	t.employerCountry = newCol[string](&t.table, "employer_country")
	t.employerRegNo = newCol[string](&t.table, "employer_registration_number")
	t.employerName = newCol[string](&t.table, "employer_name")
	t.sector = newCol[string](&t.table, "sector")
	t.isco = newCol[string](&t.table, "isco")
	t.iscoMajor = newCol[string](&t.table, "isco_major")
	t.disco = newCol[string](&t.table, "disco")
	t.ssyk = newCol[string](&t.table, "ssyk")
	t.kind = newCol[string](&t.table, "kind")
	t.statusBefore = newCol[string](&t.table, "status_before")
	t.start = newCol[time.Time](&t.table, "start_date")
	t.plannedEnd = newCol[*time.Time](&t.table, "planned_end_date")
	t.projects = newCol[[]string](&t.table, "projects")
	return t
}

// Direction is how the views name a commute: residence country, "->",
// work country, e.g. SE->DK.
func Direction(residenceCountry, workCountry string) string {
	return residenceCountry + "->" + workCountry
}

func (t *placementsStartedTable) add(r *rawRow, d *event.PlacementStartedData) error {
	start, err := date("start", d.Start)
	if err != nil {
		return err
	}
	plannedEnd, err := optDate("planned_end", d.PlannedEnd)
	if err != nil {
		return err
	}
	t.key.add(r)
	t.placementID.add(d.PlacementID)
	t.pseudonym.add(d.Person.Pseudonym)
	t.resCountry.add(d.Person.Residence.Country)
	t.resMunicipality.add(d.Person.Residence.Municipality)
	t.workCountry.add(d.Workplace.Country)
	t.workMunicipality.add(d.Workplace.Municipality)
	t.direction.add(Direction(d.Person.Residence.Country, d.Workplace.Country))
	t.employerCountry.add(d.Employer.Country)
	t.employerRegNo.add(d.Employer.RegistrationNumber)
	t.employerName.add(d.Employer.Name)
	t.sector.add(d.Sector)
	t.isco.add(d.Occupation.ISCO)
	t.iscoMajor.add(iscoMajor(d.Occupation.ISCO))
	t.disco.add(d.Occupation.DISCO)
	t.ssyk.add(d.Occupation.SSYK)
	t.kind.add(d.Kind)
	t.statusBefore.add(d.StatusBefore)
	t.start.add(start)
	t.plannedEnd.add(plannedEnd)
	t.projects.add(nonNil(d.Projects))
	t.rows++
	return nil
}

type placementsEndedTable struct {
	table
	key                    keyCols
	placementID, pseudonym *col[string]
	start                  *col[*time.Time]
	end                    *col[time.Time]
	reason                 *col[string]
}

func newPlacementsEndedTable() *placementsEndedTable {
	t := &placementsEndedTable{table: table{name: TablePlacementsEnded}}
	t.key = newKeyCols(&t.table)
	t.placementID = newCol[string](&t.table, "placement_id")
	t.pseudonym = newCol[string](&t.table, "pseudonym")
	t.start = newCol[*time.Time](&t.table, "start_date")
	t.end = newCol[time.Time](&t.table, "end_date")
	t.reason = newCol[string](&t.table, "reason")
	return t
}

func (t *placementsEndedTable) add(r *rawRow, d *event.PlacementEndedData) error {
	start, err := optDate("start", d.Start)
	if err != nil {
		return err
	}
	end, err := date("end", d.End)
	if err != nil {
		return err
	}
	t.key.add(r)
	t.placementID.add(d.PlacementID)
	t.pseudonym.add(d.Person)
	t.start.add(start)
	t.end.add(end)
	t.reason.add(d.Reason)
	t.rows++
	return nil
}

type retractionsTable struct {
	table
	key                                  keyCols
	retractedSource, retractedID, reason *col[string]
}

func newRetractionsTable() *retractionsTable {
	t := &retractionsTable{table: table{name: TableRetractions}}
	t.key = newKeyCols(&t.table)
	t.retractedSource = newCol[string](&t.table, "retracted_source")
	t.retractedID = newCol[string](&t.table, "retracted_id")
	t.reason = newCol[string](&t.table, "reason")
	return t
}

func (t *retractionsTable) add(r *rawRow, d *event.EventRetractedData) {
	t.key.add(r)
	t.retractedSource.add(d.RetractedSource)
	t.retractedID.add(d.RetractedID)
	t.reason.add(d.Reason)
	t.rows++
}
