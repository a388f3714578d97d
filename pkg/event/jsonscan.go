package event

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// The hot path of validation reads an event's JSON text once, with the
// small strict parser below, into a tree of [node]s that the schema
// check, the reference and cross-field rules and the privacy scan then
// share. encoding/json's token-by-token decoder and the schema library's
// own decoding took most of the validation time.
//
// The parser only ever takes the fast path for text encoding/json
// accepts: it rejects anything it is not sure of (ok false) and the
// caller then goes the old way through encoding/json, so every error
// message, with its line and column, stays encoding/json's.
// FuzzJSONScan checks both agree.

// nodeKind is the JSON type of a node.
type nodeKind uint8

const (
	nodeNull nodeKind = iota
	nodeBool
	nodeNumber
	nodeString
	nodeArray
	nodeObject
)

// node is a JSON value. The schema library and the walks that report
// problems want the tree jsonschema.UnmarshalJSON builds (maps, []any,
// json.Number, strings as interface values; see [libraryTree]); nodes
// hold the same without an allocation per string and per map, which
// was most of the cost of decoding.
type node struct {
	kind nodeKind
	b    bool   // nodeBool
	name string // the member name, for a node among an object's kids
	str  string // nodeString: the string; nodeNumber: its text
	// kids are an array's items, or an object's members in document
	// order, each name once: a repeated name keeps its last value, as
	// encoding/json has it.
	kids []node
}

// member returns the member name of an object, or nil (also when n is
// nil or not an object).
func (n *node) member(name string) *node {
	if n == nil || n.kind != nodeObject {
		return nil
	}
	for i := range n.kids {
		if n.kids[i].name == name {
			return &n.kids[i]
		}
	}
	return nil
}

// isContainer: an object or an array.
func (n *node) isContainer() bool { return n.kind == nodeObject || n.kind == nodeArray }

// libraryTree converts a tree to the form jsonschema.UnmarshalJSON
// gives, for the schema library and for the walks that report problems.
func libraryTree(n *node) any {
	switch n.kind {
	case nodeBool:
		return n.b
	case nodeNumber:
		return json.Number(n.str)
	case nodeString:
		return n.str
	case nodeArray:
		out := make([]any, len(n.kids))
		for i := range n.kids {
			out[i] = libraryTree(&n.kids[i])
		}
		return out
	case nodeObject:
		m := make(map[string]any, len(n.kids))
		for i := range n.kids {
			m[n.kids[i].name] = libraryTree(&n.kids[i])
		}
		return m
	}
	return nil
}

// fastTree converts a tree jsonschema.UnmarshalJSON built (for the rare
// text the fast parser leaves to it) to nodes, members in name order.
func fastTree(v any) node {
	switch x := v.(type) {
	case bool:
		return node{kind: nodeBool, b: x}
	case json.Number:
		return node{kind: nodeNumber, str: string(x)}
	case string:
		return node{kind: nodeString, str: x}
	case []any:
		n := node{kind: nodeArray, kids: make([]node, len(x))}
		for i, item := range x {
			n.kids[i] = fastTree(item)
		}
		return n
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		n := node{kind: nodeObject, kids: make([]node, len(names))}
		for i, k := range names {
			n.kids[i] = fastTree(x[k])
			n.kids[i].name = k
		}
		return n
	}
	return node{kind: nodeNull}
}

// maxScanDepth bounds the nesting the parser follows; deeper text goes
// the slow way (encoding/json allows 10000 levels).
const maxScanDepth = 512

// jsonScanner reads JSON text. Building a tree needs the text to be
// valid UTF-8 (its callers check); checking or skipping does not, and
// takes any bytes in strings but control characters, as encoding/json
// does.
type jsonScanner struct {
	b []byte
	// text is b as a string, made once when a tree is built: the tree's
	// strings, member names and numbers are slices of it rather than one
	// allocation each.
	text  string
	i     int
	depth int
	// spaced: white space was skipped since it was last cleared.
	spaced bool
	// stack holds the kids of the objects and arrays being built until
	// each is complete and its kids can be allocated at their number.
	stack []node
	// pooled is where stack came from in nodeStacks.
	pooled *[]node
	// arena is where kids are allocated from: one allocation serves the
	// few small objects and arrays of an event.
	arena []node
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
			s.spaced = true
		default:
			return
		}
	}
}

// value reads one value at s.i (after white space) as a node.
func (s *jsonScanner) value() (node, bool) {
	s.skipSpace()
	if s.i >= len(s.b) {
		return node{}, false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		start := s.i
		escaped, ok := s.skipString()
		if !ok {
			return node{}, false
		}
		str, ok := s.unquote(start, escaped)
		return node{kind: nodeString, str: str}, ok
	case c == '-' || isDigit(c):
		start := s.i
		if !s.skipNumber() {
			return node{}, false
		}
		return node{kind: nodeNumber, str: s.text[start:s.i]}, true
	case c == 't':
		return node{kind: nodeBool, b: true}, s.literal("true")
	case c == 'f':
		return node{kind: nodeBool}, s.literal("false")
	case c == 'n':
		return node{kind: nodeNull}, s.literal("null")
	}
	return node{}, false
}

// skip moves past one value (after white space), checking it as value
// does but building nothing.
func (s *jsonScanner) skip() bool {
	s.skipSpace()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.skipObject()
	case c == '[':
		return s.skipArray()
	case c == '"':
		_, ok := s.skipString()
		return ok
	case c == '-' || isDigit(c):
		return s.skipNumber()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *jsonScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// open moves past the { or [ at s.i; ok is false past the nesting limit.
func (s *jsonScanner) open() bool {
	s.depth++
	s.i++
	return s.depth <= maxScanDepth
}

// memberName reads a member's name (decoded if asked) and the colon;
// s.i is then at the value.
func (s *jsonScanner) memberName(decode bool) (name string, ok bool) {
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	start := s.i
	escaped, ok := s.skipString()
	if !ok {
		return "", false
	}
	if decode {
		if name, ok = s.unquote(start, escaped); !ok {
			return "", false
		}
	}
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return "", false
	}
	s.i++
	return name, true
}

// next moves past the comma or the closing bracket after a member or an
// item; end reports the closing bracket.
func (s *jsonScanner) next(closing byte) (end, ok bool) {
	s.skipSpace()
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, true
	case closing:
		s.i++
		s.depth--
		return true, true
	}
	return false, false
}

// empty moves past the closing bracket of an empty object or array.
func (s *jsonScanner) empty(closing byte) bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == closing {
		s.i++
		s.depth--
		return true
	}
	return false
}

func (s *jsonScanner) object() (node, bool) {
	if !s.open() {
		return node{}, false
	}
	base := len(s.stack)
	if s.empty('}') {
		return s.close(nodeObject, base), true
	}
	var index map[string]int // of a large object's members, by name
	for {
		name, ok := s.memberName(true)
		if !ok {
			return node{}, false
		}
		v, ok := s.value()
		if !ok {
			return node{}, false
		}
		v.name = name
		index = s.addMember(base, index, v)
		end, ok := s.next('}')
		if !ok {
			return node{}, false
		}
		if end {
			return s.close(nodeObject, base), true
		}
	}
}

func (s *jsonScanner) skipObject() bool {
	if !s.open() {
		return false
	}
	if s.empty('}') {
		return true
	}
	for {
		if _, ok := s.memberName(false); !ok || !s.skip() {
			return false
		}
		end, ok := s.next('}')
		if !ok || end {
			return ok
		}
	}
}

func (s *jsonScanner) array() (node, bool) {
	if !s.open() {
		return node{}, false
	}
	base := len(s.stack)
	if s.empty(']') {
		return s.close(nodeArray, base), true
	}
	for {
		v, ok := s.value()
		if !ok {
			return node{}, false
		}
		s.stack = append(s.stack, v)
		end, ok := s.next(']')
		if !ok {
			return node{}, false
		}
		if end {
			return s.close(nodeArray, base), true
		}
	}
}

func (s *jsonScanner) skipArray() bool {
	if !s.open() {
		return false
	}
	if s.empty(']') {
		return true
	}
	for {
		if !s.skip() {
			return false
		}
		end, ok := s.next(']')
		if !ok || end {
			return ok
		}
	}
}

// close makes the object or array whose kids are on the stack from base.
func (s *jsonScanner) close(kind nodeKind, base int) node {
	kids := s.stack[base:]
	n := node{kind: kind, kids: s.alloc(len(kids))}
	copy(n.kids, kids)
	clear(kids) // let the values go
	s.stack = s.stack[:base]
	return n
}

// alloc returns room for n kids.
func (s *jsonScanner) alloc(n int) []node {
	// A chunk for about the number of values such text holds (a value
	// with its name and punctuation takes some 30 bytes of an event).
	chunk := min(max(len(s.b)/32, 8), 64)
	if n > chunk/2 {
		return make([]node, n)
	}
	if len(s.arena)+n > cap(s.arena) {
		s.arena = make([]node, 0, chunk)
	}
	kids := s.arena[len(s.arena) : len(s.arena)+n : len(s.arena)+n]
	s.arena = s.arena[:len(s.arena)+n]
	return kids
}

// addMember puts a member of the object whose members start at base on
// the stack; a repeated name keeps its first place and takes the new
// value. Past a few members an index finds names, so that an object
// with many members costs no more than a map.
func (s *jsonScanner) addMember(base int, index map[string]int, m node) map[string]int {
	const scanUpTo = 16
	ms := s.stack[base:]
	if index == nil && len(ms) < scanUpTo {
		for i := range ms {
			if ms[i].name == m.name {
				ms[i] = m
				return nil
			}
		}
		s.stack = append(s.stack, m)
		return nil
	}
	if index == nil {
		index = make(map[string]int, 2*len(ms))
		for i := range ms {
			index[ms[i].name] = i
		}
	}
	if i, ok := index[m.name]; ok {
		ms[i] = m
		return index
	}
	index[m.name] = len(ms)
	s.stack = append(s.stack, m)
	return index
}

// skipString moves past the string literal at s.i, reporting whether it
// holds an escape. Raw control characters are not allowed in JSON
// strings.
func (s *jsonScanner) skipString() (escaped, ok bool) {
	s.i++ // opening quote
	for s.i < len(s.b) {
		for s.i+8 <= len(s.b) && !specialStringBytes(binary.LittleEndian.Uint64(s.b[s.i:])) {
			s.i += 8
		}
		for s.i < len(s.b) && plainStringByte[s.b[s.i]] {
			s.i++
		}
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+5 >= len(s.b) {
					return false, false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return false, false
					}
				}
				s.i += 6
			default:
				return false, false
			}
		default:
			s.i++
		}
	}
	return false, false
}

// specialStringBytes reports whether any of the 8 bytes in w is a
// quote, a backslash or a control character, so that skipString can
// pass 8 plain bytes of a string at once. It is the usual test for a
// zero byte, (x - 0x0101..) &^ x & 0x8080.., applied to w with each
// sought byte turned to zero, and its variant for bytes below 0x20;
// each says exactly whether any byte matches.
func specialStringBytes(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := w ^ (ones * '"')
	bs := w ^ (ones * '\\')
	return ((q-ones)&^q|(bs-ones)&^bs|(w-ones*0x20)&^w)&highs != 0
}

// plainStringByte marks the bytes a string literal holds as they are:
// all but control characters, the quote and the backslash.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipNumber moves past a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) skipNumber() bool {
	b := s.b
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// unquote decodes a string literal. Without escapes the text between
// the quotes is the string; with escapes encoding/json decodes it, so
// that rare path keeps its exact rules (an unpaired surrogate becomes
// U+FFFD).
func unquote(lit []byte, escaped bool) (string, bool) {
	if !escaped {
		return string(lit[1 : len(lit)-1]), true
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", false
	}
	return s, true
}

// unquote decodes the string literal from start to s.i.
func (s *jsonScanner) unquote(start int, escaped bool) (string, bool) {
	if !escaped {
		return s.text[start+1 : s.i-1], true
	}
	return unquote(s.b[start:s.i], true)
}

// parseJSONTree decodes a whole JSON text into a tree; ok is false
// when the fast parser is not sure, and the caller then uses the
// library.
func parseJSONTree(b []byte) (node, bool) {
	if !utf8.Valid(b) {
		return node{}, false
	}
	s := jsonScanner{b: b, text: string(b)}
	s.takeStack()
	defer s.returnStack()
	v, ok := s.value()
	if !ok {
		return node{}, false
	}
	s.skipSpace()
	return v, s.i == len(b)
}

// scannedEvent is an event's top-level object as scanEvent reads it.
type scannedEvent struct {
	members []scannedMember
	// data is the value of the first data member, decoded, and
	// dataCompact whether its text has no white space between tokens.
	data        node
	dataCompact bool
	// pooled is where members came from in scannedMembers.
	pooled *[]scannedMember
}

// scannedMember is one member of an event's top-level object.
type scannedMember struct {
	member
	// str is the value decoded, when it is a string (isStr).
	str   string
	isStr bool
}

// scannedMembers recycles the member lists of scanEvent, which
// decodeStructured hands back with releaseMembers.
var scannedMembers = sync.Pool{New: func() any {
	s := make([]scannedMember, 0, 12)
	return &s
}}

func (ev *scannedEvent) releaseMembers() {
	if ev.pooled == nil {
		return
	}
	clear(ev.members)
	*ev.pooled = ev.members[:0]
	scannedMembers.Put(ev.pooled)
	ev.members, ev.pooled = nil, nil
}

// nodeStacks recycles the scanners' stacks.
var nodeStacks = sync.Pool{New: func() any {
	s := make([]node, 0, 32)
	return &s
}}

func (s *jsonScanner) takeStack() {
	s.pooled = nodeStacks.Get().(*[]node)
	s.stack = *s.pooled
}

// returnStack puts the stack back through the pointer it came in, which
// costs no allocation (a pointer to a new slice header would).
func (s *jsonScanner) returnStack() {
	clear(s.stack) // what a failed parse left
	p := s.pooled
	*p = s.stack[:0]
	s.stack, s.pooled = nil, nil
	nodeStacks.Put(p)
}

// scanEvent splits an event's JSON text (known to be UTF-8) into its
// top-level members, decoding the first data member into a tree when
// tree is true (else only checking it is JSON). ok is false when the
// text is not a JSON object alone, or not plainly so; the caller then
// takes the encoding/json path for its error message.
//
// Without a tree (ParseAttested) the strings share b's memory instead of
// a copy's, as the event's data already does: b must not change after.
func scanEvent(b []byte, tree bool) (ev scannedEvent, ok bool) {
	s := jsonScanner{b: b}
	if tree {
		s.text = string(b)
	} else {
		s.text = unsafe.String(unsafe.SliceData(b), len(b))
	}
	s.takeStack()
	defer s.returnStack()
	s.skipSpace()
	if s.i >= len(b) || b[s.i] != '{' {
		return ev, false
	}
	s.i++
	s.depth = 1
	ev.pooled = scannedMembers.Get().(*[]scannedMember)
	ev.members = (*ev.pooled)[:0]
	seenData := false
	s.skipSpace()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
	} else {
		for {
			s.skipSpace()
			if s.i >= len(b) || b[s.i] != '"' {
				return ev, false
			}
			start := s.i
			escaped, ok := s.skipString()
			if !ok {
				return ev, false
			}
			name, ok := s.unquote(start, escaped)
			if !ok {
				return ev, false
			}
			s.skipSpace()
			if s.i >= len(b) || b[s.i] != ':' {
				return ev, false
			}
			s.i++
			s.skipSpace()
			vstart := s.i
			// The (first) data member becomes a tree, a string is
			// decoded, other values are kept as text.
			isData := name == "data" && !seenData
			seenData = seenData || name == "data"
			s.spaced = false
			var val node
			if (isData && tree) || (!isData && vstart < len(b) && b[vstart] == '"') {
				val, ok = s.value()
			} else {
				ok = s.skip()
			}
			if !ok {
				return ev, false
			}
			m := scannedMember{member: member{name: name, value: b[vstart:s.i]}}
			if isData {
				ev.data, ev.dataCompact = val, !s.spaced
			} else if val.kind == nodeString {
				m.str, m.isStr = val.str, true
			}
			ev.members = append(ev.members, m)
			s.skipSpace()
			if s.i >= len(b) {
				return ev, false
			}
			if b[s.i] == '}' {
				s.i++
				break
			}
			if b[s.i] != ',' {
				return ev, false
			}
			s.i++
		}
	}
	s.skipSpace()
	return ev, s.i == len(b)
}

// splitArray finds the elements of a JSON array without decoding them:
// starts[i] is the offset in b where element i begins, elems[i] its
// text. ok is false when b is not a JSON array alone or the fast
// scanner is not sure.
func splitArray(b []byte) (elems []json.RawMessage, starts []int, ok bool) {
	s := jsonScanner{b: b}
	s.skipSpace()
	if s.i >= len(b) || b[s.i] != '[' {
		return nil, nil, false
	}
	s.i++
	s.depth = 1
	s.skipSpace()
	if s.i < len(b) && b[s.i] == ']' {
		s.i++
	} else {
		for {
			s.skipSpace()
			start := s.i
			if !s.skip() {
				return nil, nil, false
			}
			elems = append(elems, b[start:s.i])
			starts = append(starts, start)
			s.skipSpace()
			if s.i >= len(b) {
				return nil, nil, false
			}
			if b[s.i] == ']' {
				s.i++
				break
			}
			if b[s.i] != ',' {
				return nil, nil, false
			}
			s.i++
		}
	}
	s.skipSpace()
	if s.i != len(b) {
		return nil, nil, false
	}
	return elems, starts, true
}

// BatchElements returns the events of a batch (a JSON array), each as
// its JSON text (a slice of b), without decoding them. ok is false when
// b is not a JSON array of valid JSON values, and also for the rare
// valid array this fast reader leaves to encoding/json (nesting deeper
// than 512 levels): a caller then decodes b with encoding/json, whose
// error says what is wrong.
func BatchElements(b []byte) (elems []json.RawMessage, ok bool) {
	elems, _, ok = splitArray(b)
	return elems, ok
}

// appendCompact appends valid JSON text without the white space between
// tokens, as json.Compact does.
func appendCompact(dst, src []byte) []byte {
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString:
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(src) {
					i++
					dst = append(dst, src[i])
				}
			case '"':
				inString = false
			}
		case c == ' ', c == '\t', c == '\n', c == '\r':
		default:
			if c == '"' {
				inString = true
			}
			dst = append(dst, c)
		}
	}
	return dst
}

// validJSON is json.Valid, answered by the fast scanner when it can.
// Without building a tree the scanner takes any bytes in strings but
// control characters, as encoding/json does.
func validJSON(b []byte) bool {
	s := jsonScanner{b: b}
	if s.skip() {
		s.skipSpace()
		if s.i == len(b) {
			return true
		}
	}
	return json.Valid(b)
}

// appendValidCompact appends data without the white space between its
// tokens, if it is valid JSON; data that is compact already (as the
// decoder leaves it) is copied as it is.
func appendValidCompact(dst, data []byte) ([]byte, bool) {
	s := jsonScanner{b: data}
	if s.skip() {
		s.skipSpace()
		if s.i == len(data) {
			if !s.spaced {
				return append(dst, data...), true
			}
			return appendCompact(dst, data), true
		}
	}
	if !json.Valid(data) {
		return dst, false
	}
	return appendCompact(dst, data), true
}
