package target

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Facts are the rows every metric reads, fetched from ClickHouse in one
// query per relation (the deduplicated, retraction-free views of
// relations.go) and measured in memory. The dashboard reads them once per
// refresh and answers every page, breakdown, funnel and as-of day from
// them, instead of querying ClickHouse per indicator and per request.
//
// Every method gives what the [Reader] method of the same name computes
// in SQL over the same rows (TestFactsEqualSQL holds them together): a
// unit is counted once, dated by its earliest qualifying date, people are
// distinct by pseudonym. One difference by design: a unit key is compared
// as its parts, where SQL compares the parts joined with '/'.
//
// Facts are read-only once loaded and safe for concurrent use.
type Facts struct {
	// Fresh says how current the rows are.
	Fresh Freshness
	// Reads says what each query read and how long it took, to find the
	// one that dominates a refresh.
	Reads  []Read
	tables map[string]*factTable // by relation.from
}

// Read is one query of [Reader.Facts].
type Read struct {
	From string // the view, or the family whose subquery it is
	Rows int
	Took time.Duration
}

// interner numbers strings densely; ids are comparable wherever the same
// interner numbered them.
type interner struct {
	index map[string]uint32
	dict  []string // by id; nil for keys only
	n     uint32   // how many ids given
	// hex holds, for keys only, the lower-case 64-hex strings (the
	// pseudonyms) by their 32 bytes: a third of what the string and its
	// map entry take while the facts are read. Every other string stays
	// in index, so two strings share an id only when they are equal.
	hex map[[32]byte]uint32
}

func newInterner() *interner { return &interner{index: map[string]uint32{}} }

// newKeyInterner numbers the values of a column that only identifies
// units: no page names them, so it keeps no dict.
func newKeyInterner() *interner {
	return &interner{index: map[string]uint32{}, hex: map[[32]byte]uint32{}}
}

// forget drops the strings and the index; the ids stay valid for
// comparing, but the interner can no longer number or name anything.
func (in *interner) forget() { in.index, in.dict, in.hex = nil, nil, nil }

func (in *interner) id(s string) uint32 {
	if in.hex != nil {
		if k, ok := hex32(s); ok {
			id, ok := in.hex[k]
			if !ok {
				id = in.n
				in.n++
				in.hex[k] = id
			}
			return id
		}
	}
	if id, ok := in.index[s]; ok {
		return id
	}
	id := in.n
	in.n++
	in.index[s] = id
	if in.hex == nil {
		in.dict = append(in.dict, s)
	}
	return id
}

// hex32 decodes s if it is exactly 64 lower-case hex digits.
func hex32(s string) (k [32]byte, ok bool) {
	if len(s) != 64 {
		return k, false
	}
	for i := range k {
		hi, ok1 := hexDigit(s[2*i])
		lo, ok2 := hexDigit(s[2*i+1])
		if !ok1 || !ok2 {
			return k, false
		}
		k[i] = hi<<4 | lo
	}
	return k, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// factTable is the rows of one relation source, column by column. String
// columns are interned; people share one interner across tables so the
// funnel can intersect them.
type factTable struct {
	from     string
	n        int
	strs     map[string][]uint32 // expression -> id per row
	inters   map[string]*interner
	dates    map[string][]int32 // expression -> days since 1970-01-01
	flags    map[string][]bool
	nums     map[string][]float64
	projects []uint32            // set id per row
	sets     [][]string          // project set by id
	keys     map[string][]uint32 // unit key -> dense unit id per row
	nkeys    map[string]int      // unit key -> how many units
}

// factSpec is what to fetch from one relation source.
type factSpec struct {
	from                     string
	name                     string // the view, or the first family reading the subquery
	strs, dates, flags, nums []string
	keys                     [][]string
}

func addOnce(list *[]string, s string) {
	for _, x := range *list {
		if x == s {
			return
		}
	}
	*list = append(*list, s)
}

func keyName(parts []string) string { return strings.Join(parts, "\x00") }

// factSpecs lists, per relation source, every expression a metric, filter,
// breakdown, the funnel or the open vacancies use.
func factSpecs() []*factSpec {
	by := map[string]*factSpec{}
	var out []*factSpec
	spec := func(from string) *factSpec {
		if s, ok := by[from]; ok {
			return s
		}
		s := &factSpec{from: from, name: from}
		by[from] = s
		out = append(out, s)
		return s
	}
	families := make([]string, 0, len(relations))
	for f := range relations {
		families = append(families, f)
	}
	sort.Strings(families)
	for _, fam := range families {
		if fam == "participant" {
			continue // derived from the signup and course rows, see participants
		}
		rel := relations[fam]
		s := spec(rel.from)
		if strings.HasPrefix(s.name, "(") {
			s.name = fam
		}
		addOnce(&s.dates, rel.date)
		for name, expr := range rel.cols {
			if name != "projects" {
				addOnce(&s.strs, expr)
			}
		}
		for _, m := range metrics {
			if m.Family != fam {
				continue
			}
			u := units[m.Name]
			for _, k := range u.key {
				addOnce(&s.strs, k)
			}
			found := false
			for _, k := range s.keys {
				found = found || keyName(k) == keyName(u.key)
			}
			if !found {
				s.keys = append(s.keys, u.key)
			}
			if u.value != "1" {
				addOnce(&s.nums, u.value)
			}
			if u.where != "" {
				addOnce(&s.flags, u.where)
			}
		}
	}
	addOnce(&spec(relations["signup"].from).flags, attendedFlag)
	v := spec(openVacancies)
	for _, e := range []string{"isco_major", "work_country", "sector"} {
		addOnce(&v.strs, e)
	}
	addOnce(&v.dates, "published_date")
	addOnce(&v.dates, "assumeNotNull(closed_date)")
	addOnce(&v.flags, "isNull(closed_date)")
	addOnce(&v.nums, "positions")
	return out
}

// isPerson reports whether expr is a column holding a pseudonym; they are
// all numbered by one interner.
func isPerson(expr string) bool {
	for _, rel := range relations {
		if rel.cols[personCol] == expr {
			return true
		}
	}
	return false
}

// Facts reads the freshness and every relation's rows.
func (r *Reader) Facts(ctx context.Context) (*Facts, error) {
	start := time.Now()
	fresh, err := r.Freshness(ctx)
	if err != nil {
		return nil, err
	}
	f := &Facts{Fresh: fresh, tables: map[string]*factTable{}, Reads: []Read{{From: rawEvents, Rows: 1, Took: time.Since(start)}}}
	people := newKeyInterner()
	for _, s := range factSpecs() {
		start := time.Now()
		t, err := r.loadTable(ctx, s, people)
		if err != nil {
			return nil, err
		}
		f.tables[s.from] = t
		f.Reads = append(f.Reads, Read{From: s.name, Rows: t.n, Took: time.Since(start)})
	}
	f.tables[relations["participant"].from] = participants(f.tables[relations["signup"].from], f.tables[relations["course"].from], people)
	f.forgetKeys()
	return f, nil
}

// named says whether the strings of column expr of the relation source
// from are read back or looked up once the facts are built: a filter or
// breakdown column, or one the open vacancies show. The others (the
// pseudonyms and ids) only identify units.
func named(from, expr string) bool {
	if from == openVacancies && (expr == "isco_major" || expr == "work_country" || expr == "sector") {
		return true
	}
	for _, rel := range relations {
		if rel.from != from {
			continue
		}
		for name, e := range rel.cols {
			if e == expr && name != personCol && name != "projects" {
				return true
			}
		}
	}
	return false
}

// forgetKeys drops the strings of every column that only identifies
// units (pseudonyms, ids): once each row holds its id, no page reads
// them back or looks them up, and they are most of what the facts would
// keep (a 64-hex pseudonym per person, one map entry each).
func (f *Facts) forgetKeys() {
	for _, t := range f.tables {
		for expr, in := range t.inters {
			if !named(t.from, expr) {
				in.forget()
			}
		}
	}
}

func (r *Reader) loadTable(ctx context.Context, s *factSpec, people *interner) (*factTable, error) {
	t := &factTable{from: s.from, strs: map[string][]uint32{}, inters: map[string]*interner{}, dates: map[string][]int32{},
		flags: map[string][]bool{}, nums: map[string][]float64{}, keys: map[string][]uint32{}, nkeys: map[string]int{}}
	var sel []string
	for _, e := range s.strs {
		sel = append(sel, "toString("+e+")")
		switch {
		case isPerson(e):
			t.inters[e] = people
		case named(s.from, e):
			t.inters[e] = newInterner()
		default:
			t.inters[e] = newKeyInterner()
		}
	}
	for _, e := range s.dates {
		sel = append(sel, "toDate("+e+")")
	}
	for _, e := range s.flags {
		sel = append(sel, "toUInt8(ifNull("+e+", 0))")
	}
	for _, e := range s.nums {
		sel = append(sel, "toFloat64(ifNull("+e+", 0))")
	}
	sel = append(sel, "projects")
	q := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + s.from
	rows, err := r.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query facts of %s: %w", shortFrom(s.from), err)
	}
	defer rows.Close()
	strv := make([]string, len(s.strs))
	datev := make([]time.Time, len(s.dates))
	flagv := make([]uint8, len(s.flags))
	numv := make([]float64, len(s.nums))
	var projv []string
	dest := make([]any, 0, len(sel))
	for i := range strv {
		dest = append(dest, &strv[i])
	}
	for i := range datev {
		dest = append(dest, &datev[i])
	}
	for i := range flagv {
		dest = append(dest, &flagv[i])
	}
	for i := range numv {
		dest = append(dest, &numv[i])
	}
	dest = append(dest, &projv)
	sets := map[string]uint32{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan facts of %s: %w", shortFrom(s.from), err)
		}
		for i, e := range s.strs {
			t.strs[e] = append(t.strs[e], t.inters[e].id(strv[i]))
		}
		for i, e := range s.dates {
			t.dates[e] = append(t.dates[e], dayNumber(datev[i]))
		}
		for i, e := range s.flags {
			t.flags[e] = append(t.flags[e], flagv[i] != 0)
		}
		for i, e := range s.nums {
			t.nums[e] = append(t.nums[e], numv[i])
		}
		k := strings.Join(projv, "\x00")
		id, ok := sets[k]
		if !ok {
			id = uint32(len(t.sets))
			sets[k] = id
			t.sets = append(t.sets, append([]string(nil), projv...))
		}
		t.projects = append(t.projects, id)
		t.n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read facts of %s: %w", shortFrom(s.from), err)
	}
	for _, parts := range s.keys {
		t.numberUnits(parts)
	}
	return t, nil
}

// numberUnits gives every row the dense id of its unit: rows with the
// same values of parts share one.
func (t *factTable) numberUnits(parts []string) {
	name := keyName(parts)
	if len(parts) == 1 {
		// Interned already; ids are dense within the column's interner
		// (the people interner is shared, so size by its length).
		t.keys[name] = t.strs[parts[0]]
		t.nkeys[name] = int(t.inters[parts[0]].n)
		return
	}
	ids := make([]uint32, t.n)
	index := map[[4]uint32]uint32{}
	for i := range t.n {
		var k [4]uint32
		for j, p := range parts {
			k[j] = t.strs[p][i]
		}
		id, ok := index[k]
		if !ok {
			id = uint32(len(index))
			index[k] = id
		}
		ids[i] = id
	}
	t.keys[name] = ids
	t.nkeys[name] = len(index)
}

func shortFrom(from string) string {
	if strings.HasPrefix(from, "(") {
		return "a subquery"
	}
	return from
}

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func dayNumber(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch) / (24 * time.Hour))
}

func dayTime(n int32) time.Time { return epoch.AddDate(0, 0, int(n)) }

// selection is one metric with its filters over one table: which rows
// count, which unit each belongs to, and its date and value.
type selection struct {
	m      Metric
	t      *factTable
	rel    relation
	date   []int32
	unit   []uint32
	nunits int
	value  []float64 // nil: every unit is worth 1
	ok     func(i int) bool
}

func (f *Facts) selectRows(m Metric, flt Filters, span Span) (*selection, error) {
	rel, ok := relations[m.Family]
	if !ok {
		return nil, fmt.Errorf("metric %s: %w: no relation for family %q", m.Name, ErrUnknownMetric, m.Family)
	}
	u, ok := units[m.Name]
	if !ok {
		return nil, fmt.Errorf("metric %s: %w: no unit definition", m.Name, ErrUnknownMetric)
	}
	t := f.tables[rel.from]
	if t == nil {
		return nil, fmt.Errorf("metric %s: %w: no facts loaded for its family", m.Name, ErrUnknownMetric)
	}
	sel := &selection{m: m, t: t, rel: rel, date: t.dates[rel.date], unit: t.keys[keyName(u.key)], nunits: t.nkeys[keyName(u.key)]}
	if u.value != "1" {
		sel.value = t.nums[u.value]
	}
	from, to := dayNumber(span.From), dayNumber(span.To)
	var preds []func(i int) bool
	if u.where != "" {
		w := t.flags[u.where]
		preds = append(preds, func(i int) bool { return w[i] })
	}
	if flt.Project != "" && flt.Project != "*" {
		in := make([]bool, len(t.sets))
		for id, set := range t.sets {
			for _, p := range set {
				in[id] = in[id] || p == flt.Project
			}
		}
		pr := t.projects
		preds = append(preds, func(i int) bool { return in[pr[i]] })
	}
	match := func(expr string, vals []string) func(i int) bool {
		inter := t.inters[expr]
		allowed := make([]bool, len(inter.dict))
		for _, v := range vals {
			if id, ok := inter.index[v]; ok {
				allowed[id] = true
			}
		}
		col := t.strs[expr]
		return func(i int) bool { return allowed[col[i]] }
	}
	if flt.Direction != nil {
		fromCol, toCol := rel.cols["from_country"], rel.cols["to_country"]
		if fromCol == "" || toCol == "" {
			return nil, fmt.Errorf("metric %s: %w: direction", m.Name, ErrUnknownFilter)
		}
		preds = append(preds, match(fromCol, []string{flt.Direction.From}), match(toCol, []string{flt.Direction.To}))
	}
	for _, lf := range []struct {
		name string
		vals []string
	}{
		{FilterSector, flt.Sector}, {FilterKind, flt.Kind}, {FilterCountry, flt.Country},
		{FilterResidence, flt.Residence}, {FilterStatus, flt.Status},
	} {
		if len(lf.vals) == 0 {
			continue
		}
		col, ok := rel.cols[lf.name]
		if !ok || !m.Allows(lf.name) {
			return nil, fmt.Errorf("metric %s: %w: %s", m.Name, ErrUnknownFilter, lf.name)
		}
		preds = append(preds, match(col, lf.vals))
	}
	date := sel.date
	sel.ok = func(i int) bool {
		if d := date[i]; d < from || d > to {
			return false
		}
		for _, p := range preds {
			if !p(i) {
				return false
			}
		}
		return true
	}
	return sel, nil
}

// firstDates is, per unit, its earliest qualifying day (noDay when none)
// and its value.
const noDay = math.MaxInt32

func (s *selection) firstDates() (first []int32, value []float64) {
	first = make([]int32, s.nunits)
	for i := range first {
		first[i] = noDay
	}
	if s.value != nil {
		value = make([]float64, s.nunits)
	}
	for i := range s.t.n {
		if !s.ok(i) {
			continue
		}
		u := s.unit[i]
		if first[u] == noDay && value != nil {
			value[u] = s.value[i]
		}
		if d := s.date[i]; d < first[u] {
			first[u] = d
		}
	}
	return first, value
}

// acc sums a group's units.
type acc struct {
	n   uint64
	sum float64
}

func (a *acc) add(v float64) { a.n++; a.sum += v }

func (a acc) result(agg Agg) float64 {
	switch agg {
	case Sum:
		return a.sum
	case Mean:
		if a.n == 0 {
			return 0
		}
		return a.sum / float64(a.n)
	}
	return float64(a.n)
}

func valueOf(value []float64, u int) float64 {
	if value == nil {
		return 1
	}
	return value[u]
}

func (f *Facts) lookup(name string) (Metric, error) {
	m, ok := LookupMetric(name)
	if !ok {
		return Metric{}, fmt.Errorf("measure %q: %w", name, ErrUnknownMetric)
	}
	return m, nil
}

// Increments is [Reader.Increments] over the facts.
func (f *Facts) Increments(ms Measure, span Span) ([]Increment, error) {
	m, err := f.lookup(ms.Metric)
	if err != nil {
		return nil, err
	}
	if span.Empty() {
		return nil, nil
	}
	sel, err := f.selectRows(m, ms.Filters, span)
	if err != nil {
		return nil, err
	}
	first, value := sel.firstDates()
	days := map[int32]*acc{}
	for u, d := range first {
		if d == noDay {
			continue
		}
		a := days[d]
		if a == nil {
			a = &acc{}
			days[d] = a
		}
		a.add(valueOf(value, u))
	}
	out := make([]Increment, 0, len(days))
	for d, a := range days {
		out = append(out, Increment{Day: dayTime(d), N: a.result(m.Agg)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

// Mean is [Reader.Mean] over the facts.
func (f *Facts) Mean(ms Measure, span Span) (float64, int, error) {
	m, err := f.lookup(ms.Metric)
	if err != nil {
		return 0, 0, err
	}
	if span.Empty() {
		return 0, 0, nil
	}
	sel, err := f.selectRows(m, ms.Filters, span)
	if err != nil {
		return 0, 0, err
	}
	first, value := sel.firstDates()
	var a acc
	for u, d := range first {
		if d != noDay {
			a.add(valueOf(value, u))
		}
	}
	return a.result(Mean), int(a.n), nil
}

// grouped visits every (unit, group) pair of the selection once, with
// the pair's earliest day and the unit's value.
func (s *selection) grouped(col string, visit func(grp uint32, day int32, v float64)) {
	grp := s.t.strs[col]
	type pair struct {
		day int32
		v   float64
	}
	seen := map[uint64]pair{}
	for i := range s.t.n {
		if !s.ok(i) {
			continue
		}
		k := uint64(s.unit[i])<<32 | uint64(grp[i])
		p, ok := seen[k]
		if !ok {
			p = pair{day: s.date[i], v: valueOf(s.value, i)}
		} else if s.date[i] < p.day {
			p.day = s.date[i]
		}
		seen[k] = p
	}
	for k, p := range seen {
		visit(uint32(k), p.day, p.v)
	}
}

// Breakdown is [Reader.Breakdown] over the facts.
func (f *Facts) Breakdown(ms Measure, by string, span Span) ([]Group, error) {
	m, err := f.lookup(ms.Metric)
	if err != nil {
		return nil, err
	}
	col := ""
	if by != ByMonth && by != ByYear {
		var ok bool
		if col, ok = dimExpr(m, by); !ok {
			return nil, fmt.Errorf("split %s by %q: %w", m.Name, by, ErrUnknownBreakdown)
		}
	}
	if span.Empty() {
		return nil, nil
	}
	sel, err := f.selectRows(m, ms.Filters, span)
	if err != nil {
		return nil, err
	}
	groups := map[string]*acc{}
	add := func(key string, v float64) {
		a := groups[key]
		if a == nil {
			a = &acc{}
			groups[key] = a
		}
		a.add(v)
	}
	if col == "" {
		first, value := sel.firstDates()
		for u, d := range first {
			if d == noDay {
				continue
			}
			day := dayTime(d)
			key := day.Format("2006-01")
			if by == ByYear {
				key = day.Format("2006")
			}
			add(key, valueOf(value, u))
		}
	} else {
		dict := sel.t.inters[col].dict
		sel.grouped(col, func(grp uint32, _ int32, v float64) { add(dict[grp], v) })
	}
	out := make([]Group, 0, len(groups))
	for k, a := range groups {
		out = append(out, Group{Key: k, Value: a.result(m.Agg), N: a.n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Grid is [Reader.Grid] over the facts.
func (f *Facts) Grid(ms Measure, e Each, span Span) (map[string]map[int]float64, error) {
	m, err := f.lookup(ms.Metric)
	if err != nil {
		return nil, err
	}
	col, ok := dimExpr(m, e.By)
	if !ok || e.By == ByMonth || e.By == ByYear {
		return nil, fmt.Errorf("grid of %s by %q: %w", m.Name, e.By, ErrUnknownBreakdown)
	}
	out := map[string]map[int]float64{}
	if span.Empty() {
		return out, nil
	}
	sel, err := f.selectRows(m, ms.Filters, span)
	if err != nil {
		return nil, err
	}
	type cell struct {
		grp  uint32
		year int
	}
	cells := map[cell]*acc{}
	sel.grouped(col, func(grp uint32, day int32, v float64) {
		c := cell{grp, dayTime(day).Year()}
		a := cells[c]
		if a == nil {
			a = &acc{}
			cells[c] = a
		}
		a.add(v)
	})
	dict := sel.t.inters[col].dict
	for c, a := range cells {
		g := dict[c.grp]
		year := c.year
		if e.Per != "year" {
			year = 0
		}
		if out[g] == nil {
			out[g] = map[int]float64{}
		}
		out[g][year] += a.result(m.Agg)
	}
	return out, nil
}

// people is the set of people a person metric counts over the span.
func (f *Facts) people(metric, project string, span Span) (map[uint32]bool, error) {
	m, err := f.lookup(metric)
	if err != nil {
		return nil, err
	}
	sel, err := f.selectRows(m, Filters{Project: project}, span)
	if err != nil {
		return nil, err
	}
	person := sel.t.strs[sel.rel.cols[personCol]]
	out := map[uint32]bool{}
	for i := range sel.t.n {
		if sel.ok(i) {
			out[person[i]] = true
		}
	}
	return out, nil
}

// Funnel is [Reader.Funnel] over the facts.
func (f *Facts) Funnel(project string, span Span) (Funnel, error) {
	if span.Empty() {
		return Funnel{}, nil
	}
	signed, err := f.people("signups", project, span)
	if err != nil {
		return Funnel{}, err
	}
	completed, err := f.people("distinct_people_completed", project, span)
	if err != nil {
		return Funnel{}, err
	}
	placed, err := f.people("distinct_people_placed", project, span)
	if err != nil {
		return Funnel{}, err
	}
	fu := Funnel{Signed: uint64(len(signed)), Completed: uint64(len(completed)), Placed: uint64(len(placed))}
	for p := range signed {
		if completed[p] {
			fu.SignedCompleted++
			if placed[p] {
				fu.SignedCompletedPlaced++
			}
		}
	}
	return fu, nil
}

// OpenVacancies is [Reader.OpenVacancies] over the facts.
func (f *Facts) OpenVacancies(project string, asOf time.Time) ([]OpenPositions, error) {
	t := f.tables[openVacancies]
	if t == nil {
		return nil, fmt.Errorf("open vacancies: no facts loaded for %s", openVacancies)
	}
	day := dayNumber(asOf)
	pub, closed, open := t.dates["published_date"], t.dates["assumeNotNull(closed_date)"], t.flags["isNull(closed_date)"]
	positions := t.nums["positions"]
	isco, country, sector := t.strs["isco_major"], t.strs["work_country"], t.strs["sector"]
	in := make([]bool, len(t.sets))
	for id, set := range t.sets {
		in[id] = project == "" || project == "*"
		for _, p := range set {
			in[id] = in[id] || p == project
		}
	}
	type key struct{ isco, country, sector uint32 }
	groups := map[key]*OpenPositions{}
	for i := range t.n {
		if pub[i] > day || !(open[i] || closed[i] > day) || !in[t.projects[i]] {
			continue
		}
		k := key{isco[i], country[i], sector[i]}
		g := groups[k]
		if g == nil {
			g = &OpenPositions{ISCOMajor: t.inters["isco_major"].dict[k.isco], Country: t.inters["work_country"].dict[k.country], Sector: t.inters["sector"].dict[k.sector]}
			groups[k] = g
		}
		g.Vacancies++
		g.Positions += uint64(positions[i])
	}
	out := make([]OpenPositions, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ISCOMajor != b.ISCOMajor {
			return a.ISCOMajor < b.ISCOMajor
		}
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		return a.Sector < b.Sector
	})
	return out, nil
}

// attendedFlag marks the signup rows of people who attended.
const attendedFlag = "attended = 1"

// participants builds the participant relation from rows already read:
// in SQL it is the signup rows of people who attended plus every course
// completion (relations.go), which would read the sign-ups a second time.
func participants(signup, course *factTable, people *interner) *factTable {
	rel := relations["participant"]
	t := &factTable{from: rel.from, strs: map[string][]uint32{}, inters: map[string]*interner{}, dates: map[string][]int32{},
		flags: map[string][]bool{}, nums: map[string][]float64{}, keys: map[string][]uint32{}, nkeys: map[string]int{}}
	sigRel, courseRel := relations["signup"], relations["course"]
	// The participant column and the signup and course columns it is
	// made of.
	type colFrom struct{ to, fromSignup, fromCourse string }
	var cols []colFrom
	for name, expr := range rel.cols {
		if name != "projects" {
			cols = append(cols, colFrom{expr, sigRel.cols[name], courseRel.cols[name]})
		}
	}
	for _, c := range cols {
		if isPerson(c.to) {
			t.inters[c.to] = people
		} else {
			t.inters[c.to] = newInterner()
		}
	}
	sets := map[string]uint32{}
	add := func(src *factTable, i int, date string, pick func(colFrom) string) {
		for _, c := range cols {
			from := pick(c)
			id := src.strs[from][i]
			if t.inters[c.to] != people {
				id = t.inters[c.to].id(src.inters[from].dict[id])
			}
			t.strs[c.to] = append(t.strs[c.to], id)
		}
		t.dates[rel.date] = append(t.dates[rel.date], src.dates[date][i])
		set := src.sets[src.projects[i]]
		k := strings.Join(set, "\x00")
		id, ok := sets[k]
		if !ok {
			id = uint32(len(t.sets))
			sets[k] = id
			t.sets = append(t.sets, set)
		}
		t.projects = append(t.projects, id)
		t.n++
	}
	attended := signup.flags[attendedFlag]
	for i := range signup.n {
		if attended[i] {
			add(signup, i, sigRel.date, func(c colFrom) string { return c.fromSignup })
		}
	}
	for i := range course.n {
		add(course, i, courseRel.date, func(c colFrom) string { return c.fromCourse })
	}
	for _, m := range metrics {
		if m.Family == "participant" {
			t.numberUnits(units[m.Name].key)
		}
	}
	return t
}
