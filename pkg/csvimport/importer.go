package csvimport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/pseudonym"
)

// Sink takes the events of the valid rows: a gateway client
// ([delivery.Client]) or a JSON-lines file ([delivery.Lines]).
type Sink interface {
	Publish(ctx context.Context, events []ce.Event) (delivery.Result, error)
}

// Options tunes an [Importer]; zero values take the defaults given.
type Options struct {
	// BatchSize is how many events are published at once (default 500).
	BatchSize int
	// Getenv reads a pseudonym key's environment variable (default
	// os.Getenv).
	Getenv func(string) string
	// Now is the event time of rows whose mapping gives none (default
	// time.Now, read once per import so that all rows share it).
	Now func() time.Time
	// MinKeyBytes is the shortest pseudonym key accepted (default 16).
	MinKeyBytes int
}

// Importer maps CSV rows to events by one [Mapping].
type Importer struct {
	m     *Mapping
	v     *event.Validator
	keys  map[string][]byte // by field path
	batch int
	now   func() time.Time
}

// NewImporter reads the pseudonym keys the mapping names (an unset key is
// an error here, not a rejected row later).
func NewImporter(m *Mapping, v *event.Validator, opts Options) (*Importer, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MinKeyBytes <= 0 {
		opts.MinKeyBytes = 16
	}
	im := &Importer{m: m, v: v, keys: map[string][]byte{}, batch: opts.BatchSize, now: opts.Now}
	for _, f := range m.fields {
		ps := f.spec.Pseudonym
		if ps == nil {
			continue
		}
		var key []byte
		switch {
		case ps.KeyEnv != "":
			key = []byte(strings.TrimSpace(opts.Getenv(ps.KeyEnv)))
			if len(key) == 0 {
				return nil, fmt.Errorf("%w: fields.%s.pseudonym: environment variable %s (the pseudonym key) is not set", ErrMapping, f.path, ps.KeyEnv)
			}
		default:
			b, err := os.ReadFile(ps.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("%w: fields.%s.pseudonym: read key file: %w", ErrMapping, f.path, err)
			}
			key = []byte(strings.TrimSpace(string(b)))
		}
		if len(key) < opts.MinKeyBytes {
			return nil, fmt.Errorf("%w: fields.%s.pseudonym: the key has %d bytes; use at least %d random bytes (e.g. openssl rand -hex 32)", ErrMapping, f.path, len(key), opts.MinKeyBytes)
		}
		im.keys[f.path] = key
	}
	return im, nil
}

// Stage says where a row was rejected.
type Stage string

// The stages a row goes through.
const (
	StageMapping  Stage = "mapping"  // a cell could not be read as the mapping says
	StageContract Stage = "contract" // the mapped event breaks the event contract
	StageGateway  Stage = "gateway"  // the gateway rejected the event
)

// RowProblem is one reason a row was not stored. It never holds a
// cell's value.
type RowProblem struct {
	Row     int    `json:"row"`              // spreadsheet row number; the header is row 1
	Column  string `json:"column,omitempty"` // the column as the file names it, "" when the problem is not one cell's
	Field   string `json:"field,omitempty"`  // the data field, e.g. person.residence.country
	Stage   Stage  `json:"stage"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Repeat is a row with the same mapped content as an earlier row: it
// becomes the same event, so it is counted once and not sent again.
type Repeat struct {
	Row, SameAs int
}

// Report sums up an import.
type Report struct {
	Rows       int // rows read, not counting the header and blank rows
	Blank      int // rows with every cell empty, skipped
	Events     int // distinct events built from valid rows
	Accepted   int // stored now
	Duplicates int // stored by an earlier import (or an earlier run of this one)
	Rejected   int // rows not stored, each listed in Problems
	Repeats    []Repeat
	Problems   []RowProblem // sorted by row
	Unsent     int          // valid events not sent because publishing failed
	// Written is set by the caller when the sink was a file, not the
	// gateway: the text report then says written, not stored.
	Written bool
}

// pending is a valid row's event waiting in a batch.
type pending struct {
	row int
	ev  ce.Event
}

// Run reads the CSV list from src, maps and validates each row, and
// publishes the valid rows' events to sink in batches. It returns
// [ErrRowsRejected] (with the report) when some rows were not stored, an
// error matching [ErrFile] when the file cannot be read at all, and the
// sink's error when publishing failed (the report then counts what was
// stored before).
func (im *Importer) Run(ctx context.Context, src io.Reader, sink Sink) (*Report, error) {
	t, err := openTable(src, im.m)
	if err != nil {
		return nil, err
	}
	cols, err := im.bind(t.header)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	now := im.now()
	seen := map[string]int{} // event id -> row
	var batch []pending
	rejected := map[int]bool{}
	reject := func(p RowProblem) {
		rep.Problems = append(rep.Problems, p)
		rejected[p.Row] = true
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		events := make([]ce.Event, len(batch))
		for i := range batch {
			events[i] = batch[i].ev
		}
		res, err := sink.Publish(ctx, events)
		rep.Accepted += res.Accepted
		rep.Duplicates += res.Duplicates
		for _, r := range res.Results {
			if r.Status != delivery.StatusRejected || r.Index < 0 || r.Index >= len(batch) {
				continue
			}
			row := batch[r.Index].row
			if len(r.Problems) == 0 {
				reject(RowProblem{Row: row, Stage: StageGateway, Rule: "rejected", Message: "the gateway rejected the event without naming a problem"})
			}
			for _, p := range r.Problems {
				reject(im.rowProblem(row, StageGateway, p, cols))
			}
		}
		if err != nil {
			rep.Unsent += len(batch) - len(res.Results)
			first, last := batch[0].row, batch[len(batch)-1].row
			batch = batch[:0]
			return fmt.Errorf("publish the events of rows %d to %d: %w", first, last, err)
		}
		batch = batch[:0]
		return nil
	}

	for {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("import: %w", err)
		}
		cells, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errInvalidUTF8) {
			rep.Rows++
			reject(RowProblem{Row: t.row, Stage: StageMapping, Rule: RuleEncoding, Message: "the row is not valid UTF-8; save the list as \"CSV UTF-8\" or set the mapping's encoding"})
			continue
		}
		if err != nil {
			rep.finish(rejected)
			return rep, err
		}
		if cells == nil {
			rep.Blank++
			continue
		}
		rep.Rows++
		ev, problems := im.rowEvent(t.row, cells, cols, now)
		if len(problems) > 0 {
			for _, p := range problems {
				reject(p)
			}
			continue
		}
		if first, dup := seen[ev.ID()]; dup {
			rep.Repeats = append(rep.Repeats, Repeat{Row: t.row, SameAs: first})
			continue
		}
		seen[ev.ID()] = t.row
		rep.Events++
		batch = append(batch, pending{row: t.row, ev: ev})
		if len(batch) >= im.batch {
			if err := flush(); err != nil {
				rep.finish(rejected)
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		rep.finish(rejected)
		return rep, err
	}
	rep.finish(rejected)
	if rep.Rejected > 0 {
		return rep, fmt.Errorf("%w: %d of %d rows", ErrRowsRejected, rep.Rejected, rep.Rows)
	}
	return rep, nil
}

func (rep *Report) finish(rejected map[int]bool) {
	rep.Rejected = len(rejected)
	slices.SortStableFunc(rep.Problems, func(a, b RowProblem) int { return a.Row - b.Row })
}

// bind finds each mapped column in the header; cols[i] is the header
// name of field i's column as the file writes it.
func (im *Importer) bind(header []string) ([]string, error) {
	index := map[string]int{}
	for i, h := range header {
		n := normHeader(h)
		if _, dup := index[n]; dup && n != "" {
			// A mapped column must be unambiguous; an unmapped duplicate is harmless.
			index[n] = -2
			continue
		}
		index[n] = i
	}
	find := func(col, what string) (int, error) {
		i, ok := index[col]
		switch {
		case !ok:
			return 0, fmt.Errorf("%w: column %q (%s) is not in the file; its columns are: %s", ErrFile, col, what, quoteAll(header))
		case i == -2:
			return 0, fmt.Errorf("%w: column %q (%s) appears more than once in the header", ErrFile, col, what)
		}
		return i, nil
	}
	cols := make([]string, len(im.m.fields))
	secret := map[int]bool{}
	for i := range im.m.fields {
		f := &im.m.fields[i]
		if f.column == "" {
			f.col = -1
			continue
		}
		c, err := find(f.column, "fields."+f.path)
		if err != nil {
			return nil, err
		}
		f.col = c
		cols[i] = header[c]
		if f.secret {
			secret[c] = true
		}
	}
	for _, f := range im.m.fields {
		if !f.secret && f.col >= 0 && secret[f.col] {
			return nil, fmt.Errorf("%w: column %q holds national ids (a pseudonym is derived from it); fields.%s must not copy it", ErrMapping, header[f.col], f.path)
		}
	}
	if tf := im.m.timeFrom; tf != nil && tf.path == "time" {
		c, err := find(tf.column, "time")
		if err != nil {
			return nil, err
		}
		if secret[c] {
			return nil, fmt.Errorf("%w: time.column %q holds national ids", ErrMapping, header[c])
		}
		tf.col = c
	}
	return cols, nil
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// rowEvent maps one row to a validated event, or says why it cannot.
func (im *Importer) rowEvent(row int, cells, cols []string, now time.Time) (ce.Event, []RowProblem) {
	m := im.m
	data := map[string]any{}
	var problems []RowProblem
	cellOf := func(col int) string {
		if col < 0 || col >= len(cells) {
			return ""
		}
		return cells[col]
	}
	for i := range m.fields {
		f := &m.fields[i]
		bad := func(rule, msg string) {
			problems = append(problems, RowProblem{Row: row, Column: cols[i], Field: f.path, Stage: StageMapping, Rule: rule, Message: msg})
		}
		if f.secret {
			id := strings.TrimSpace(cellOf(f.col))
			if id == "" {
				bad(RuleNationalID, "the national id is empty, so no pseudonym can be derived")
				continue
			}
			setPath(data, f.path, pseudonym.Derive(im.keys[f.path], id))
			continue
		}
		v, ok, p := f.value(cellOf(f.col), m.loc)
		if p != nil {
			bad(p.Rule, p.Message)
			continue
		}
		if ok {
			setPath(data, f.path, v)
		}
	}
	// Lookups run once every plain value is in, because a municipality
	// is looked up in the country its sibling field names.
	for i := range m.fields {
		f := &m.fields[i]
		if f.spec.Lookup == "" {
			continue
		}
		s, ok := getPath(data, f.path).(string)
		if !ok {
			continue
		}
		var code string
		var found bool
		switch f.spec.Lookup {
		case LookupCountry:
			code, found = lookupCountry(s)
		case LookupSector:
			code, found = lookupSector(s)
		case LookupMunicipality:
			country, _ := getPath(data, siblingPath(f.path, "country")).(string)
			code, found = lookupMunicipality(s, country)
		}
		if !found {
			problems = append(problems, RowProblem{Row: row, Column: cols[i], Field: f.path, Stage: StageMapping, Rule: RuleLookup,
				Message: lookupMessage(f.spec.Lookup)})
			continue
		}
		setPath(data, f.path, code)
	}
	at := now
	if tf := m.timeFrom; tf != nil {
		var ok bool
		if tf.path == "time" {
			if s := strings.TrimSpace(cellOf(tf.col)); s != "" {
				t, err := parseTime(s, tf.layouts, m.loc)
				if err != nil {
					problems = append(problems, RowProblem{Row: row, Column: m.Time.Column, Field: "time", Stage: StageMapping, Rule: RuleDateFormat,
						Message: "not a time in the form " + strings.Join(tf.layouts, " or ")})
				}
				at, ok = t, err == nil
			}
		} else if s, isStr := getPath(data, tf.path).(string); isStr {
			t, err := time.ParseInLocation(time.DateOnly, s, m.loc)
			at, ok = t, err == nil
		}
		if !ok {
			at = now // the contract will name the missing date field, if it is required
		}
	}
	if len(problems) > 0 {
		return ce.Event{}, problems
	}
	ev, err := event.New(m.Type, m.Source, im.rowID(data), at, data)
	if err != nil {
		return ce.Event{}, []RowProblem{{Row: row, Stage: StageContract, Rule: "event", Message: err.Error()}}
	}
	if err := im.v.Validate(ev); err != nil {
		ps := event.ProblemsOf(err)
		if len(ps) == 0 {
			return ce.Event{}, []RowProblem{{Row: row, Stage: StageContract, Rule: "invalid", Message: err.Error()}}
		}
		for _, p := range ps {
			problems = append(problems, im.rowProblem(row, StageContract, p, cols))
		}
		return ce.Event{}, problems
	}
	return ev, nil
}

func lookupMessage(kind string) string {
	switch kind {
	case LookupMunicipality:
		return "not a municipality name or code in the row's country (Danish kommunekode or Swedish kommunkod, e.g. Helsingør/217, Helsingborg/1283)"
	case LookupCountry:
		return "not a country name (Danmark, Sverige, Norge...) or ISO 3166-1 alpha-2 code"
	}
	return "not a focus area: health_care, logistics, construction, service, academics, other, or their Danish, Swedish or English names"
}

// rowID is the event id of a row: the mapping's prefix and a hash of the
// type, source and mapped data (json.Marshal writes map keys sorted, so
// the same values give the same bytes however the columns are ordered).
func (im *Importer) rowID(data map[string]any) string {
	b, _ := json.Marshal(data) // only strings, numbers, bools, lists and maps
	h := sha256.New()
	h.Write([]byte(im.m.Type))
	h.Write([]byte{0})
	h.Write([]byte(im.m.Source))
	h.Write([]byte{0})
	h.Write(b)
	return im.m.IDPrefix + hex.EncodeToString(h.Sum(nil))[:32]
}

// rowProblem turns a contract problem into a row problem by finding the
// column that fed the problem's path.
func (im *Importer) rowProblem(row int, stage Stage, p event.Problem, cols []string) RowProblem {
	rp := RowProblem{Row: row, Stage: stage, Rule: p.Rule, Message: p.Message}
	path, isData := strings.CutPrefix(p.Path, "$.data")
	switch {
	case p.Path == "$.time":
		rp.Field = "time"
		if tf := im.m.timeFrom; tf != nil {
			if tf.path == "time" {
				rp.Column = im.m.Time.Column
			} else {
				rp.Field = tf.path
				rp.Column = im.columnOf(tf.path, cols)
			}
		}
		return rp
	case !isData:
		rp.Field = p.Path
		return rp
	}
	path = strings.TrimPrefix(path, ".")
	path = arrayIndex.ReplaceAllString(path, "")
	rp.Field = path
	rp.Column = im.columnOf(path, cols)
	return rp
}

// columnOf names the column(s) behind a data path: the field's own
// column, else those of the fields under it (for an object-level
// problem such as oneOf), else its parent's.
func (im *Importer) columnOf(path string, cols []string) string {
	for p := path; ; {
		var names []string
		for i, f := range im.m.fields {
			if (f.path == p || p == "" || strings.HasPrefix(f.path, p+".")) && cols[i] != "" && !slices.Contains(names, cols[i]) {
				names = append(names, cols[i])
			}
		}
		if len(names) > 0 {
			return strings.Join(names, ", ")
		}
		i := strings.LastIndex(p, ".")
		if i < 0 || p == "" {
			return ""
		}
		p = p[:i]
	}
}

var arrayIndex = regexp.MustCompile(`\[[0-9]+\]`)

func setPath(data map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := data
	for _, k := range parts[:len(parts)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

func getPath(data map[string]any, path string) any {
	parts := strings.Split(path, ".")
	var cur any = data
	for _, k := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func siblingPath(path, name string) string {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i+1] + name
	}
	return name
}
