package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	ce "github.com/cloudevents/sdk-go/v2/event"
	cetypes "github.com/cloudevents/sdk-go/v2/types"
)

// The context attributes CloudEvents 1.0 defines; every other attribute
// is an extension.
var coreAttributes = []string{"specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time"}

func isCoreAttribute(name string) bool {
	for _, a := range coreAttributes {
		if a == name {
			return true
		}
	}
	return false
}

// valueKind is the CloudEvents type of an attribute value as it arrived.
type valueKind uint8

const (
	kindString valueKind = iota
	kindBool
	kindInteger
	kindOther // a JSON value CloudEvents has no type for: object, array, fraction
)

// attr is one context attribute as it arrived, before any check.
type attr struct {
	str  string // kindString
	what string // kindOther: "object", "array", "number with a fraction"...
	i    int32  // kindInteger
	kind valueKind
	b    bool // kindBool
	// surrogate: the JSON text escaped an unpaired surrogate, which the
	// decoded str no longer shows.
	surrogate bool
}

// dataForm says how the event's data arrived.
type dataForm int

const (
	dataNone   dataForm = iota
	dataJSON            // structured "data" member, any JSON value
	dataBase64          // structured "data_base64", or binary bytes
)

// rawEvent is an event in any binding, reduced to what validation needs:
// the attributes by name and the data bytes. Every decoder fills one and
// [Validator.check] does the rest, so every binding gets the same rules.
type rawEvent struct {
	// attrs are the attributes in arrival order, each name once; index
	// finds them by name once there are more than a few.
	attrs []namedAttr
	index map[string]int
	// attrBuf holds the attributes of an ordinary event, saving their
	// slice an allocation of its own.
	attrBuf [10]namedAttr
	form    dataForm
	data    []byte // JSON text (dataJSON) or the decoded bytes (dataBase64)
	// tree is data decoded, when the decoder already did it (hasTree).
	tree     node
	hasTree  bool
	dataPath string // where problems with non-JSON bytes are reported
	problems []Problem
	// fatal: the input is not an event at all (not JSON, not an object);
	// its one problem says so and no attribute is checked.
	fatal bool
}

func (r *rawEvent) add(path, rule, msg string) {
	r.problems = append(r.problems, Problem{Path: path, Rule: rule, Message: msg})
}

type namedAttr struct {
	name string
	attr
}

// indexFrom is the number of attributes from which a map finds them: an
// event has a dozen at most, unless it was made to be slow.
const indexFrom = 16

// set sets an attribute; a name set again keeps its place.
func (r *rawEvent) set(name string, a attr) {
	if i, ok := r.find(name); ok {
		r.attrs[i].attr = a
		return
	}
	if r.attrs == nil {
		r.attrs = r.attrBuf[:0]
	}
	r.attrs = append(r.attrs, namedAttr{name, a})
	switch {
	case r.index != nil:
		r.index[name] = len(r.attrs) - 1
	case len(r.attrs) > indexFrom:
		r.index = make(map[string]int, 2*len(r.attrs))
		for i, na := range r.attrs {
			r.index[na.name] = i
		}
	}
}

// get returns the attribute name.
func (r *rawEvent) get(name string) (attr, bool) {
	if i, ok := r.find(name); ok {
		return r.attrs[i].attr, true
	}
	return attr{}, false
}

func (r *rawEvent) has(name string) bool {
	_, ok := r.find(name)
	return ok
}

func (r *rawEvent) find(name string) (int, bool) {
	if r.index != nil {
		i, ok := r.index[name]
		return i, ok
	}
	for i := range r.attrs {
		if r.attrs[i].name == name {
			return i, true
		}
	}
	return 0, false
}

// attrPath is the JSON path of an attribute. Names that are not plain
// lower-case words are quoted, and names that could carry personal data
// are masked.
func attrPath(name string) string {
	return "$" + pathSegment(name)
}

// decodeStructured reads one event in the CloudEvents JSON format,
// with its data as a tree for the checks.
func decodeStructured(b []byte) *rawEvent { return decodeStructuredTree(b, true) }

// decodeStructuredTree reads one event in the CloudEvents JSON format;
// tree false leaves the data undecoded (r.hasTree false), for an event
// that will not be checked.
func decodeStructuredTree(b []byte, tree bool) *rawEvent {
	r := &rawEvent{}
	if !utf8.Valid(b) {
		r.add("$", "json", "the event is not valid UTF-8 text; JSON must be encoded as UTF-8")
		r.fatal = true
		return r
	}
	scanned, fast := scanEvent(b, tree)
	defer scanned.releaseMembers()
	members := scanned.members
	if !fast {
		// Not a plain JSON object: encoding/json says what is wrong, and
		// takes what the fast scanner leaves to it (deep nesting).
		ms, err := objectMembers(b)
		if err != nil {
			r.add("$", "json", err.Error())
			r.fatal = true
			return r
		}
		members = make([]scannedMember, len(ms))
		for i, m := range ms {
			members[i].member = m
		}
	}
	seen := newNameSet(len(members))
	for i, m := range members {
		if seen.has(members[:i], m.name) {
			r.add(attrPath(m.name), "duplicate", "the member appears more than once; give each attribute once")
			continue
		}
		seen.add(m.name)
		if isNull(m.value) {
			// JSON format 1.0: null means the attribute is absent.
			continue
		}
		switch m.name {
		case "data":
			r.form = dataJSON
			switch {
			case fast && scanned.dataCompact && !tree:
				// ParseAttested: the data shares b's memory.
				r.data = m.value[:len(m.value):len(m.value)]
			case fast && scanned.dataCompact:
				r.data = append([]byte(nil), m.value...)
			default:
				r.data = compactJSON(m.value)
			}
			r.tree, r.hasTree = scanned.data, fast && tree
			continue
		case "data_base64":
			var s string
			if err := json.Unmarshal(m.value, &s); err != nil {
				r.add("$.data_base64", "type", "data_base64 must be a JSON string holding base64 (RFC 4648) text")
				continue
			}
			d, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				r.add("$.data_base64", "base64", "data_base64 is not valid base64 (RFC 4648, standard alphabet, with padding)")
				continue
			}
			r.form, r.data, r.dataPath = dataBase64, d, "$.data_base64"
			continue
		}
		if !validAttributeName(m.name) {
			r.add(attrPath(m.name), "attribute-name", attributeNameMessage)
			continue
		}
		if m.isStr {
			// As jsonAttr has it, without decoding the string again.
			r.set(m.name, attr{kind: kindString, str: m.str, surrogate: hasLoneSurrogate(m.value)})
			continue
		}
		r.set(m.name, jsonAttr(m.value))
	}
	if seen.has(members, "data") && seen.has(members, "data_base64") && !isNullMember(members, "data") && !isNullMember(members, "data_base64") {
		// Which one the source meant is unknowable, so neither is checked.
		r.add("$.data_base64", "data-exclusive", "an event carries data or data_base64, never both; send JSON data in data")
		r.form, r.data, r.tree, r.hasTree = dataNone, nil, node{}, false
	}
	return r
}

// nameSet tells which member names an event has: by looking through the
// members before, for the dozen an event has, or in a map past that, so
// an event made of many members costs no more than a map.
type nameSet map[string]bool

const nameSetFrom = 16

func newNameSet(members int) nameSet {
	if members <= nameSetFrom {
		return nil
	}
	return make(nameSet, members)
}

// has reports whether name is among before, the members seen so far.
func (s nameSet) has(before []scannedMember, name string) bool {
	if s != nil {
		return s[name]
	}
	for _, m := range before {
		if m.name == name {
			return true
		}
	}
	return false
}

func (s nameSet) add(name string) {
	if s != nil {
		s[name] = true
	}
}

func isNullMember(ms []scannedMember, name string) bool {
	for _, m := range ms {
		if m.name == name {
			return isNull(m.value)
		}
	}
	return true
}

const attributeNameMessage = "attribute names must consist of lower-case letters a-z and digits 0-9 only (CloudEvents 1.0 naming rule); rename the attribute or move the value into data"

// validAttributeName: CloudEvents 1.0 says names MUST be lower-case
// letters and digits of ASCII. That they SHOULD NOT exceed 20 characters
// is a recommendation, which sundflow does not enforce.
func validAttributeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isNull(v json.RawMessage) bool { return string(v) == "null" }

// compactJSON copies valid JSON text without the white space between
// tokens.
func compactJSON(v json.RawMessage) []byte {
	return appendCompact(make([]byte, 0, len(v)), v)
}

// jsonAttr maps a JSON value to the CloudEvents type system: string,
// boolean, or integer (32-bit signed).
func jsonAttr(v json.RawMessage) attr {
	switch v[0] {
	case '"':
		// v is a string literal of text known to be UTF-8 (the caller
		// checked), so without escapes its inside is the string.
		s, ok := unquote(v, bytes.IndexByte(v, '\\') >= 0)
		if !ok {
			return attr{kind: kindOther, what: "malformed string"}
		}
		// encoding/json turns an unpaired \uD800 escape into U+FFFD;
		// CloudEvents strings must not hold surrogates at all.
		return attr{kind: kindString, str: s, surrogate: hasLoneSurrogate(v)}
	case 't', 'f':
		return attr{kind: kindBool, b: v[0] == 't'}
	case '{':
		return attr{kind: kindOther, what: "an object"}
	case '[':
		return attr{kind: kindOther, what: "an array"}
	default:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f != math.Trunc(f) {
			return attr{kind: kindOther, what: "a number with a fraction"}
		}
		if f < math.MinInt32 || f > math.MaxInt32 {
			return attr{kind: kindOther, what: "an integer outside the 32-bit range"}
		}
		return attr{kind: kindInteger, i: int32(f)}
	}
}

// envelope checks the context attributes and builds the event. The
// returned type is "" when the type attribute is missing or unknown.
func (r *rawEvent) envelope() (ce.Event, Type) {
	parts := &envelopeParts{}
	ec := &parts.ec
	var t Type

	str := func(name string, required bool) (string, bool) {
		a, ok := r.get(name)
		if !ok {
			if required {
				r.add(attrPath(name), "required", requiredMessages[name])
			}
			return "", false
		}
		if a.kind != kindString {
			r.add(attrPath(name), "type", name+" must be a JSON string")
			return "", false
		}
		if a.str == "" {
			r.add(attrPath(name), "non-empty", name+" must not be an empty string")
			return "", false
		}
		if a.surrogate || !validStringChars(a.str) {
			r.add(attrPath(name), "string-chars", name+" contains a control character, a surrogate or a Unicode noncharacter, which CloudEvents strings must not contain")
			return "", false
		}
		return a.str, true
	}

	if v, ok := str("specversion", true); ok && v != ce.CloudEventsVersionV1 {
		r.add("$.specversion", "specversion", `specversion must be "1.0": sundflow accepts CloudEvents 1.0 only`)
	}
	if v, ok := str("id", true); ok {
		ec.ID = v
	}
	if v, ok := str("source", true); ok {
		if u, ok := parseSource(v); ok {
			ec.Source = u
		} else {
			r.add("$.source", "uri-reference", "source must be a URI-reference (RFC 3986), e.g. https://jobcenter.example.dk/case-system or urn:sundflow:source:helsingor; percent-encode spaces and other characters URIs do not allow")
		}
	}
	if v, ok := str("type", true); ok {
		if Type(v).Known() {
			t = Type(v)
			ec.Type = v
		} else {
			r.add("$.type", "unknown-type", "type is not one sundflow knows; use one of: "+knownTypeList())
		}
	}
	if v, ok := str("subject", false); ok {
		parts.subject = v
		ec.Subject = &parts.subject
	}
	if v, ok := str("time", false); ok {
		if tm, ok := parseTime(v); ok {
			parts.time.Time = tm
			ec.Time = &parts.time
		} else {
			r.add("$.time", "time", "time must be an RFC 3339 timestamp with a date, a time and an offset, e.g. 2024-03-01T09:30:00Z or 2024-03-01T10:30:00.250+01:00")
		}
	} else if !r.has("time") {
		r.add("$.time", "required", requiredMessages["time"])
	}
	if v, ok := str("datacontenttype", false); ok {
		mt, err := parseMediaType(v)
		switch {
		case err != nil || !typeSlashSubtype(mt):
			r.add("$.datacontenttype", "media-type", `datacontenttype must be a media type (RFC 2046), e.g. "application/json"`)
		case !isJSONMediaType(mt):
			r.add("$.datacontenttype", "profile.datacontenttype", `sundflow events carry JSON data: set datacontenttype to "application/json" (or leave it out in structured mode)`)
		default:
			parts.contentType = v
			ec.DataContentType = &parts.contentType
		}
	}
	if v, ok := str("dataschema", false); ok {
		if u, ok := schemaURIs[v]; ok && v == t.SchemaURI() {
			// The type's own schema URI, checked once (TestSchemaURIs).
			parts.schema.URL = *u
			ec.DataSchema = &parts.schema
		} else {
			u, err := url.Parse(v)
			switch {
			case err != nil || !u.IsAbs() || !uriChars(v):
				r.add("$.dataschema", "uri", "dataschema must be an absolute URI (RFC 3986); leave it out or use the schema URI of the type")
			case t != "" && v != t.SchemaURI():
				r.add("$.dataschema", "profile.dataschema", "dataschema does not match the type; leave it out or set it to "+t.SchemaURI())
			default:
				parts.schema.URL = *u
				ec.DataSchema = &parts.schema
			}
		}
	}

	for _, na := range r.attrs {
		name, a := na.name, na.attr
		if isCoreAttribute(name) {
			continue
		}
		var val any
		switch a.kind {
		case kindString:
			if a.surrogate || !validStringChars(a.str) {
				r.add(attrPath(name), "string-chars", "the extension contains a control character, a surrogate or a Unicode noncharacter, which CloudEvents strings must not contain")
				continue
			}
			val = a.str
		case kindBool:
			val = a.b
		case kindInteger:
			val = a.i
		default:
			r.add(attrPath(name), "extension-type", "extension values must be a string, a boolean or an integer in the 32-bit range (CloudEvents type system); this one is "+a.what)
			continue
		}
		if ec.Extensions == nil {
			ec.Extensions = map[string]any{}
		}
		ec.Extensions[name] = val
	}

	e := ce.Event{Context: ec}
	if ec.DataContentType == nil {
		if !r.has("datacontenttype") {
			parts.contentType = ce.ApplicationJSON
			ec.DataContentType = &parts.contentType
		}
	}
	switch r.form {
	case dataJSON:
		e.DataEncoded = r.data
	case dataBase64:
		e.DataEncoded = r.data
		e.DataBase64 = true
	}
	return e, t
}

var requiredMessages = map[string]string{
	"specversion": `specversion is required: set it to "1.0"`,
	"id":          "id is required: a string unique within the source, e.g. the source system's own key of the record plus a version",
	"source":      "source is required: a URI-reference naming the system that sent the event, e.g. https://jobcenter.example.dk/case-system",
	"type":        "type is required: one of " + knownTypeList(),
	"time":        "time is required by sundflow (figures are placed by when things happened): an RFC 3339 timestamp, e.g. 2024-03-01T09:30:00Z",
}

func knownTypeList() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// typeSlashSubtype: RFC 2046 media types are type/subtype;
// mime.ParseMediaType also takes a lone token such as "json".
func typeSlashSubtype(mt string) bool {
	typ, sub, ok := strings.Cut(mt, "/")
	return ok && typ != "" && sub != "" && !strings.Contains(sub, "/")
}

func isJSONMediaType(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// parseTime accepts RFC 3339 with any offset and any fraction; RFC 3339
// allows lower-case t and z, which Go's parser does not, hence ToUpper
// (the other characters of a timestamp are digits and punctuation).
func parseTime(s string) (time.Time, bool) {
	tm, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, false
	}
	return tm, true
}

// parseURIRef parses a URI-reference. The SDK keeps a url.URL, which can
// re-spell a reference (upper-case scheme, escapes); source is half of an
// event's identity, so when re-spelling would change it the reference is
// kept verbatim in Opaque, which url.URL.String writes back unchanged.
func parseURIRef(s string) (cetypes.URIRef, bool) {
	if !uriChars(s) {
		return cetypes.URIRef{}, false
	}
	u, err := url.Parse(s)
	if err != nil {
		return cetypes.URIRef{}, false
	}
	if u.String() != s {
		return cetypes.URIRef{URL: url.URL{Opaque: s}}, true
	}
	return cetypes.URIRef{URL: *u}, true
}

// uriChars reports whether s uses only the characters RFC 3986 allows in
// a URI-reference, with every % starting a two-digit hex escape.
func uriChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// validStringChars applies the CloudEvents String type's rule: no control
// characters (U+0000-U+001F, U+007F-U+009F), no surrogates and no
// noncharacters.
func validStringChars(s string) bool {
	for _, r := range s {
		switch {
		case r <= 0x1F, r >= 0x7F && r <= 0x9F:
			return false
		case r == utf8.RuneError:
			// Invalid UTF-8 or an unpaired surrogate that JSON decoding
			// replaced; a literal U+FFFD is allowed but indistinguishable
			// here, so check the bytes.
			if !utf8.ValidString(s) {
				return false
			}
		case r >= 0xD800 && r <= 0xDFFF:
			return false
		case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
			return false
		}
	}
	return true
}

// hasLoneSurrogate reports whether a JSON string literal escapes a
// surrogate that is not part of a valid pair.
func hasLoneSurrogate(lit []byte) bool {
	if bytes.IndexByte(lit, '\\') < 0 {
		return false
	}
	s := string(lit)
	for i := 0; i+5 < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] != 'u' {
			i++ // skip the escaped character, which may be a backslash
			continue
		}
		r, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
		if err != nil {
			return false // json.Unmarshal accepted it, so unreachable
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 < len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
				lo, err := strconv.ParseUint(s[i+8:i+12], 16, 32)
				if err == nil && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 11
					continue
				}
			}
			return true
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		}
		i += 5
	}
	return false
}

// parseMediaType is mime.ParseMediaType without the parameters, which
// it need not run for the content type nearly every event has.
func parseMediaType(v string) (string, error) {
	if v == "application/json" {
		return v, nil
	}
	mt, _, err := mime.ParseMediaType(v)
	return mt, err
}

// envelopeParts are an event's context and the values its pointers
// point to, allocated together: one allocation instead of six per event.
type envelopeParts struct {
	ec          ce.EventContextV1
	subject     string
	contentType string
	time        cetypes.Timestamp
	schema      cetypes.URI
}

// schemaURIs holds the schema URI of every type, parsed: the dataschema
// nearly every event that gives one has.
var schemaURIs = func() map[string]*url.URL {
	m := map[string]*url.URL{}
	for _, t := range Types {
		u, err := url.Parse(t.SchemaURI())
		if err != nil {
			panic("schema URI of " + string(t) + ": " + err.Error())
		}
		m[t.SchemaURI()] = u
	}
	return m
}()

// sources remembers the sources parsed so far, up to maxSources of
// them: a source system sends all its events with one source, and
// parsing it again took a microsecond of every event. Only valid
// sources are kept.
var sources struct {
	sync.Map // string -> cetypes.URIRef
	n        atomic.Int32
}

const maxSources = 1024

// parseSource is parseURIRef, remembered.
func parseSource(s string) (cetypes.URIRef, bool) {
	if u, ok := sources.Load(s); ok {
		return u.(cetypes.URIRef), true
	}
	u, ok := parseURIRef(s)
	if ok && sources.n.Load() < maxSources {
		if _, loaded := sources.LoadOrStore(s, u); !loaded {
			sources.n.Add(1)
		}
	}
	return u, ok
}
