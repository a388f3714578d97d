package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the mapping names a time zone; do not depend on the host's zoneinfo

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"github.com/sundflow/sundflow/pkg/event"
)

// Mapping says how the rows of one kind of list become events. It is
// read from YAML; see testdata/*.yaml for complete examples.
type Mapping struct {
	// Type is the event type every row becomes, e.g.
	// org.sundflow.fair.signup.v1.
	Type event.Type `yaml:"type"`
	// Source is the events' CloudEvents source, e.g.
	// /dk/helsingor/jobcenter/fair-signups; the gateway token must be
	// allowed it.
	Source string `yaml:"source"`
	// IDPrefix starts every event id (default "csv-"); the rest is a hash
	// of the row's mapped values.
	IDPrefix string `yaml:"id_prefix"`
	// Delimiter is "auto" (default: the most frequent of ; , and tab in
	// the header line), ";", ",", or "tab".
	Delimiter string `yaml:"delimiter"`
	// Encoding is "utf-8" (default; a BOM is skipped), "windows-1252",
	// "iso-8859-1" or "iso-8859-15" for lists saved by older Excel.
	Encoding string `yaml:"encoding"`
	// TimeZone reads dates and times in the list (default
	// Europe/Copenhagen).
	TimeZone string `yaml:"timezone"`
	// Time says where the event time comes from: a data field holding a
	// date (midnight in TimeZone) or a column with its own format. When
	// left out it is the type's own date field (date, published, closed,
	// completed, start, end); events without one get the import time.
	Time TimeSpec `yaml:"time"`
	// Fields maps a path into the event's data (dots between levels, e.g.
	// person.residence.country) to where its value comes from.
	Fields map[string]FieldSpec `yaml:"fields"`

	dataType reflect.Type
	loc      *time.Location
	fields   []field // sorted by path
	timeFrom *field  // the field or column the event time is read from
}

// TimeSpec is the event time's origin: Field, or Column with Format.
type TimeSpec struct {
	Field  string  `yaml:"field"`
	Column string  `yaml:"column"`
	Format Layouts `yaml:"format"`
}

// FieldSpec is where one data field's value comes from: a Column, a
// Const, or a Pseudonym derived from a national-id column.
type FieldSpec struct {
	Column string `yaml:"column"`
	// Const is the same value for every row (a string, number, bool or
	// list, as the field needs).
	Const any `yaml:"const"`
	// Default is used when the cell is empty; otherwise an empty cell
	// leaves the field out (and the contract says whether it may be).
	Default string `yaml:"default"`
	// Map translates cell values (matched without regard to case or
	// surrounding space) to the contract's values, e.g.
	// "Lager/transport": logistics.
	Map map[string]string `yaml:"map"`
	// Other is the value for a cell the Map does not know; without it
	// such a row is rejected (rule value-map).
	Other string `yaml:"other"`
	// Format lists Go time layouts the cell may have (e.g. 02-01-2006);
	// date fields default to 2006-01-02.
	Format Layouts `yaml:"format"`
	// Split separates the items of a list field in one cell (default ",").
	Split string `yaml:"split"`
	// Lookup resolves names to codes after Map: municipality, country or
	// sector (see [LookupMunicipality]).
	Lookup string `yaml:"lookup"`
	// Pseudonym derives the field from a national-id column.
	Pseudonym *PseudonymSpec `yaml:"pseudonym"`
}

// PseudonymSpec derives a person's pseudonym from a column of national ids
// (CPR, personnummer) with a secret key: HMAC-SHA256 as package pseudonym
// computes it. The key is read from the environment variable KeyEnv or the
// file KeyFile, never from the mapping itself.
type PseudonymSpec struct {
	Column  string `yaml:"column"`
	KeyEnv  string `yaml:"key_env"`
	KeyFile string `yaml:"key_file"`
}

// Layouts is one Go time layout or a list of them.
type Layouts []string

// UnmarshalYAML takes a scalar or a sequence.
func (l *Layouts) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = Layouts{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	return fmt.Errorf("line %d: format must be a layout or a list of layouts", n.Line)
}

// leaf kinds a field can have.
type kind int

const (
	kindString kind = iota
	kindDate
	kindInt
	kindNumber
	kindBool
	kindList
)

func (k kind) String() string {
	return [...]string{"text", "date", "integer", "number", "boolean", "list"}[k]
}

// field is a FieldSpec checked and resolved against the data type.
type field struct {
	path    string
	kind    kind
	spec    FieldSpec
	column  string // the column read: spec.Column or spec.Pseudonym.Column
	col     int    // its index in the header, set per file
	cnst    any    // the converted Const, when given
	mapping map[string]string
	layouts []string
	secret  bool // the column holds national ids
}

// dataTypes are the Go shapes of each type's data; a mapping's field
// paths are checked against them.
var dataTypes = map[event.Type]reflect.Type{
	event.VacancyPublished: reflect.TypeFor[event.VacancyPublishedData](),
	event.VacancyClosed:    reflect.TypeFor[event.VacancyClosedData](),
	event.FairScheduled:    reflect.TypeFor[event.FairScheduledData](),
	event.FairSignup:       reflect.TypeFor[event.FairSignupData](),
	event.CourseCompleted:  reflect.TypeFor[event.CourseCompletedData](),
	event.PlacementStarted: reflect.TypeFor[event.PlacementStartedData](),
	event.PlacementEnded:   reflect.TypeFor[event.PlacementEndedData](),
	event.EventRetracted:   reflect.TypeFor[event.EventRetractedData](),
}

// dateFields are the data fields the contract declares as dates
// (YYYY-MM-DD); a cell for them is parsed with the field's Format.
var dateFields = map[string]bool{
	"date": true, "end_date": true, "published": true, "deadline": true, "closed": true,
	"completed": true, "start": true, "planned_end": true, "end": true,
}

// timeFields is each type's own date, the default event time.
var timeFields = map[event.Type]string{
	event.VacancyPublished: "published",
	event.VacancyClosed:    "closed",
	event.FairScheduled:    "date",
	event.FairSignup:       "date",
	event.CourseCompleted:  "completed",
	event.PlacementStarted: "start",
	event.PlacementEnded:   "end",
}

// LoadMapping reads and checks a mapping file.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	m, err := ParseMapping(b)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	return m, nil
}

// ParseMapping reads a mapping from YAML and checks it against the
// event type's data shape. Unknown keys are errors, so a typo does not
// silently drop a column.
func ParseMapping(b []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrMapping, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func mappingErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMapping}, args...)...)
}

func (m *Mapping) check() error {
	if m.Type == "" {
		return mappingErr("type is required, one of %v", event.Types)
	}
	dt, ok := dataTypes[m.Type]
	if !ok {
		return mappingErr("type %q is not an event type sundflow knows; use one of %v", m.Type, event.Types)
	}
	m.dataType = dt
	if strings.TrimSpace(m.Source) == "" {
		return mappingErr("source is required (the CloudEvents source the gateway token is allowed, e.g. /dk/helsingor/jobcenter)")
	}
	if m.IDPrefix == "" {
		m.IDPrefix = "csv-"
	}
	switch m.Delimiter {
	case "":
		m.Delimiter = "auto"
	case "auto", ";", ",", "tab", "\t", "|":
	default:
		return mappingErr("delimiter %q: use auto, \";\", \",\", \"|\" or tab", m.Delimiter)
	}
	if _, err := decoderFor(m.Encoding); err != nil {
		return err
	}
	if m.TimeZone == "" {
		m.TimeZone = "Europe/Copenhagen"
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return mappingErr("timezone %q: %v", m.TimeZone, err)
	}
	m.loc = loc
	if len(m.Fields) == 0 {
		return mappingErr("fields is empty: map at least the fields %s requires", m.Type)
	}
	paths := make([]string, 0, len(m.Fields))
	for p := range m.Fields {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		f, err := m.resolve(p, m.Fields[p])
		if err != nil {
			return err
		}
		m.fields = append(m.fields, f)
	}
	return m.checkTime()
}

// resolve checks one field spec against the data type.
func (m *Mapping) resolve(path string, spec FieldSpec) (field, error) {
	k, err := leafKind(m.dataType, path)
	if err != nil {
		return field{}, mappingErr("fields.%s: %v", path, err)
	}
	f := field{path: path, kind: k, spec: spec, column: normHeader(spec.Column)}
	sources := 0
	if spec.Column != "" {
		sources++
	}
	if spec.Const != nil {
		sources++
	}
	if spec.Pseudonym != nil {
		sources++
	}
	if sources != 1 {
		return field{}, mappingErr("fields.%s: give exactly one of column, const and pseudonym", path)
	}
	if spec.Pseudonym != nil {
		ps := spec.Pseudonym
		if k != kindString {
			return field{}, mappingErr("fields.%s: pseudonym only fills a text field", path)
		}
		if ps.Column == "" {
			return field{}, mappingErr("fields.%s.pseudonym: column (of national ids) is required", path)
		}
		if (ps.KeyEnv == "") == (ps.KeyFile == "") {
			return field{}, mappingErr("fields.%s.pseudonym: give exactly one of key_env and key_file (the secret key is never in the mapping)", path)
		}
		if len(spec.Map) > 0 || spec.Default != "" || len(spec.Format) > 0 {
			return field{}, mappingErr("fields.%s: pseudonym takes no map, default or format", path)
		}
		f.column = normHeader(ps.Column)
		f.secret = true
	}
	if len(spec.Map) > 0 {
		f.mapping = make(map[string]string, len(spec.Map))
		for label, v := range spec.Map {
			key := normValue(label)
			if _, dup := f.mapping[key]; dup {
				return field{}, mappingErr("fields.%s.map: label %q given twice (labels match without regard to case)", path, label)
			}
			f.mapping[key] = v
		}
	}
	switch spec.Lookup {
	case "":
	case LookupMunicipality, LookupCountry, LookupSector:
		if k != kindString || spec.Pseudonym != nil {
			return field{}, mappingErr("fields.%s: lookup only fills a text field from a column or const", path)
		}
	default:
		return field{}, mappingErr("fields.%s: lookup %q: use municipality, country or sector", path, spec.Lookup)
	}
	f.layouts = spec.Format
	if k == kindDate && len(f.layouts) == 0 {
		f.layouts = []string{time.DateOnly}
	}
	if len(spec.Format) > 0 && k != kindDate {
		return field{}, mappingErr("fields.%s: format is only for date fields", path)
	}
	if spec.Const != nil {
		v, err := f.constValue(spec.Const, m.loc)
		if err != nil {
			return field{}, mappingErr("fields.%s.const: %v", path, err)
		}
		f.cnst = v
	}
	// Check that the map's targets and the default convert, so that a
	// typo in the mapping fails now and not on every row.
	for label, v := range f.mapping {
		if _, p := f.convert(v, m.loc); p != nil {
			return field{}, mappingErr("fields.%s.map: value for %q: %s", path, label, p.Message)
		}
	}
	if spec.Default != "" {
		if _, p := f.convert(spec.Default, m.loc); p != nil {
			return field{}, mappingErr("fields.%s.default: %s", path, p.Message)
		}
	}
	return f, nil
}

func (m *Mapping) checkTime() error {
	ts := m.Time
	switch {
	case ts.Field != "" && ts.Column != "":
		return mappingErr("time: give field or column, not both")
	case ts.Column != "":
		if len(ts.Format) == 0 {
			return mappingErr("time.format is required with time.column (e.g. \"02-01-2006 15:04\")")
		}
		m.timeFrom = &field{path: "time", kind: kindString, column: normHeader(ts.Column), layouts: ts.Format}
		return nil
	case ts.Field == "":
		ts.Field = timeFields[m.Type]
		if ts.Field == "" {
			return nil // import time
		}
		if _, ok := m.Fields[ts.Field]; !ok {
			return nil
		}
	}
	i := slices.IndexFunc(m.fields, func(f field) bool { return f.path == ts.Field })
	if i < 0 {
		return mappingErr("time.field %q is not one of the mapped fields", ts.Field)
	}
	if m.fields[i].kind != kindDate {
		return mappingErr("time.field %q is not a date field", ts.Field)
	}
	m.timeFrom = &m.fields[i]
	return nil
}

// leafKind walks path through t by JSON names.
func leafKind(t reflect.Type, path string) (kind, error) {
	parts := strings.Split(path, ".")
	for i, name := range parts {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return 0, fmt.Errorf("%s is not an object", strings.Join(parts[:i], "."))
		}
		sf, ok := fieldByJSON(t, name)
		if !ok {
			return 0, fmt.Errorf("no field %q here; known: %s", name, strings.Join(jsonNames(t), ", "))
		}
		t = sf.Type
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	last := parts[len(parts)-1]
	switch t.Kind() {
	case reflect.String:
		if dateFields[last] {
			return kindDate, nil
		}
		return kindString, nil
	case reflect.Int, reflect.Int64:
		return kindInt, nil
	case reflect.Float64:
		return kindNumber, nil
	case reflect.Bool:
		return kindBool, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return kindList, nil
		}
	case reflect.Struct:
		return 0, fmt.Errorf("is an object; map its fields (%s)", strings.Join(jsonNames(t), ", "))
	}
	return 0, fmt.Errorf("has a type csvimport cannot fill (%s)", t)
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if jsonName(sf) == name {
			return sf, true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(sf reflect.StructField) string {
	n, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return n
}

func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if n := jsonName(t.Field(i)); n != "" && n != "-" {
			out = append(out, n)
		}
	}
	return out
}

// normHeader is how header cells and mapped column names are compared:
// NFC, trimmed, case folded.
func normHeader(s string) string { return normValue(s) }

// normValue is how a cell is compared with a map's labels.
func normValue(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFC.String(s)))
}
