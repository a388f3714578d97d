package event

// The validation code as it was before the fast path (commit 38f31fc),
// kept here as the oracle the fast path is checked against: the same
// input must give the same event, the same problems in the same order
// with the same messages, and the same encoding. Only what the fast
// path changed is copied; helpers it left alone are shared.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ce "github.com/cloudevents/sdk-go/v2/event"
	cetypes "github.com/cloudevents/sdk-go/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sundflow/sundflow/pkg/refcode"
	"github.com/sundflow/sundflow/schemas"
)

// oldRawEvent is rawEvent as it was.
type oldRawEvent struct {
	attrs    map[string]attr
	order    []string // attribute names in arrival order, for stable output
	form     dataForm
	data     []byte // JSON text (dataJSON) or the decoded bytes (dataBase64)
	dataPath string // where problems with non-JSON bytes are reported
	problems []Problem
	fatal    bool
}

func (r *oldRawEvent) add(path, rule, msg string) {
	r.problems = append(r.problems, Problem{Path: path, Rule: rule, Message: msg})
}

func (r *oldRawEvent) set(name string, a attr) {
	if r.attrs == nil {
		r.attrs = map[string]attr{}
	}
	if _, dup := r.attrs[name]; !dup {
		r.order = append(r.order, name)
	}
	r.attrs[name] = a
}

// As it was: ParseStructured decodes one event in the CloudEvents JSON format
// (structured content mode) and checks it by every rule. On failure the
// error is an [*InvalidError] listing every problem, and the event holds
// only id, source and type, where present and safe to echo, so the
// caller can name the rejected event.
func oldParseStructured(v *Validator, b []byte) (ce.Event, error) {
	return oldCheck(v, oldDecodeStructured(b))
}

// As it was: ParseBatch decodes a JSON array of structured events (the CloudEvents
// JSON batch format) and checks each one. The error is non-nil only when
// the body is not a JSON array at all (an [*InvalidError] with one
// problem at $); a bad element gets its own Result.Err.
func oldParseBatch(v *Validator, b []byte) ([]Result, error) {
	elems, err := oldArrayElements(b)
	if err != nil {
		return nil, &InvalidError{Problems: []Problem{{Path: "$", Rule: "batch", Message: err.Error()}}}
	}
	out := make([]Result, len(elems))
	for i, el := range elems {
		e, err := oldParseStructured(v, el.value)
		out[i] = Result{Index: i, Line: el.line, Event: e, Err: err}
	}
	return out, nil
}

// As it was: ParseBinary decodes a binary-mode event: attrs are the context
// attributes by name (without the ce- / ce_ prefix, lower case, values
// already percent-decoded; see [HTTPBinaryAttrs] and [NATSBinaryAttrs]),
// contentType the datacontenttype (the Content-Type header), data the
// message body.
func oldParseBinary(v *Validator, attrs map[string]string, contentType string, data []byte) (ce.Event, error) {
	r := &oldRawEvent{}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch {
		case n == "data" || !validAttributeName(n):
			r.add(attrPath(n), "attribute-name", attributeNameMessage)
		case n == "datacontenttype" && contentType != "" && attrs[n] != contentType:
			r.add("$.datacontenttype", "binding", "the content type is given twice with different values; send it once, as the Content-Type header")
		default:
			r.set(n, attr{kind: kindString, str: attrs[n]})
		}
	}
	if contentType != "" {
		r.set("datacontenttype", attr{kind: kindString, str: contentType})
	}
	if len(data) > 0 {
		r.form, r.data, r.dataPath = dataBase64, data, "$.data"
		ct := contentType
		if ct == "" {
			ct = attrs["datacontenttype"]
		}
		if mt, _, err := mime.ParseMediaType(ct); ct == "" || (err == nil && isJSONMediaType(mt)) {
			if json.Valid(data) {
				r.form = dataJSON
				r.data = oldCompactJSON(data)
			} else {
				r.add("$.data", "json", "the body is not valid JSON, but the content type says it is")
				r.data = nil
				r.form = dataNone
			}
		}
	}
	return oldCheck(v, r)
}

// As it was: Validate checks an event built in Go (by a producer) by every rule.
func oldValidate(v *Validator, e ce.Event) error {
	r := &oldRawEvent{}
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		if e.Context != nil {
			r.set("specversion", attr{kind: kindString, str: e.Context.GetSpecVersion()})
		}
		_, err := oldCheck(v, r)
		return err
	}
	r.set("specversion", attr{kind: kindString, str: ce.CloudEventsVersionV1})
	setStr := func(name, val string, present bool) {
		if present {
			r.set(name, attr{kind: kindString, str: val})
		}
	}
	setStr("id", ec.ID, ec.ID != "")
	setStr("source", ec.Source.String(), ec.Source.String() != "")
	setStr("type", ec.Type, ec.Type != "")
	if ec.DataContentType != nil {
		setStr("datacontenttype", *ec.DataContentType, true)
	}
	if ec.DataSchema != nil {
		setStr("dataschema", ec.DataSchema.String(), true)
	}
	if ec.Subject != nil {
		setStr("subject", *ec.Subject, true)
	}
	if ec.Time != nil {
		setStr("time", ec.Time.Format(time.RFC3339Nano), true)
	}
	names := make([]string, 0, len(ec.Extensions))
	for n := range ec.Extensions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if isCoreAttribute(n) || n == "data" || !validAttributeName(n) {
			r.add(attrPath(n), "attribute-name", attributeNameMessage)
			continue
		}
		r.set(n, goAttr(ec.Extensions[n]))
	}
	if len(e.DataEncoded) > 0 {
		if e.DataBase64 {
			r.form, r.data, r.dataPath = dataBase64, e.DataEncoded, "$.data_base64"
		} else if json.Valid(e.DataEncoded) {
			r.form, r.data = dataJSON, e.DataEncoded
		} else {
			r.add("$.data", "json", "the data is not valid JSON; build events with New")
		}
	}
	_, err := oldCheck(v, r)
	return err
}

// As it was: check runs every rule on a decoded event: the envelope, the data
// against its type's schema, reference codes and cross-field rules, and
// the privacy scan. It never stops at the first problem.
func oldCheck(v *Validator, r *oldRawEvent) (ce.Event, error) {
	if r.fatal {
		return ce.Event{Context: &ce.EventContextV1{}}, &InvalidError{Problems: r.problems}
	}
	e, t := oldEnvelope(r)
	problems := r.problems

	var data any
	dataOK := false
	switch {
	case r.form == dataNone:
		if !hasProblemAt(problems, "$.data") && !hasProblemAt(problems, "$.data_base64") {
			msg := "data is required: a JSON object"
			if t != "" {
				msg += " as the schema " + t.SchemaURI() + " describes"
			}
			problems = append(problems, Problem{Path: "$.data", Rule: "required", Message: msg})
		}
	case r.form == dataBase64 && !json.Valid(r.data):
		problems = append(problems, Problem{Path: r.dataPath, Rule: "json", Message: "the data is not JSON; sundflow events carry a JSON object as data"})
	default:
		d, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.data))
		if err != nil {
			problems = append(problems, Problem{Path: "$.data", Rule: "json", Message: "the data is not valid JSON"})
		} else {
			data, dataOK = d, true
		}
	}

	if dataOK && t != "" {
		sp := oldSchemaProblems(v, t, data)
		problems = append(problems, sp...)
		rc := &oldRuleCheck{bad: map[string]bool{}}
		for _, p := range sp {
			rc.bad[p.Path] = true
		}
		if obj, ok := data.(map[string]any); ok {
			rc.codeRules(obj, "$.data", "")
			rc.crossRules(t, obj, e.Source(), e.ID())
		}
		sort.SliceStable(rc.problems, func(i, j int) bool { return rc.problems[i].Path < rc.problems[j].Path })
		problems = append(problems, rc.problems...)
	}

	flagged := map[string]bool{}
	pp := oldPrivacyScan(r, data, dataOK, flagged)
	problems = append(problems, pp...)

	if len(problems) > 0 {
		return safeEvent(e, flagged), &InvalidError{Problems: problems}
	}
	return e, nil
}

// As it was: privacyScan looks for national ids and e-mail addresses in every
// string the event carries: its attributes (id, source, subject and
// extensions) and every string and member name of its data.
func oldPrivacyScan(r *oldRawEvent, data any, dataOK bool, flagged map[string]bool) []Problem {
	var out []Problem
	for _, name := range r.order {
		a := r.attrs[name]
		if a.kind != kindString {
			continue
		}
		switch name {
		case "specversion", "type", "datacontenttype", "dataschema", "time":
			continue // checked against fixed forms already
		}
		if rule, bad := oldPrivacyRule(a.str); bad {
			out = append(out, Problem{Path: attrPath(name), Rule: rule, Message: "this attribute " + privacyMessages[rule]})
			flagged[name] = true
		}
	}
	switch {
	case dataOK:
		oldWalkStrings(data, "$.data", func(path, s string, isKey bool) {
			if rule, bad := oldPrivacyRule(s); bad {
				what := "this field "
				if isKey {
					what = "a member name here "
				}
				out = append(out, Problem{Path: path, Rule: rule, Message: what + privacyMessages[rule]})
			}
		})
	case len(r.data) > 0:
		if rule, bad := oldPrivacyRule(string(r.data)); bad {
			out = append(out, Problem{Path: "$.data", Rule: rule, Message: "the data " + privacyMessages[rule]})
		}
	}
	return out
}

// As it was: walkStrings calls fn for every string value and member name in v.
func oldWalkStrings(v any, path string, fn func(path, s string, isKey bool)) {
	switch x := v.(type) {
	case string:
		fn(path, x, false)
	case []any:
		for i, item := range x {
			oldWalkStrings(item, path+"["+itoa(i)+"]", fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, bad := oldPrivacyRule(k); bad {
				fn(path, k, true)
			}
			oldWalkStrings(x[k], path+pathSegment(k), fn)
		}
	}
}

// As it was: decodeStructured reads one event in the CloudEvents JSON format.
func oldDecodeStructured(b []byte) *oldRawEvent {
	r := &oldRawEvent{}
	if !utf8.Valid(b) {
		r.add("$", "json", "the event is not valid UTF-8 text; JSON must be encoded as UTF-8")
		r.fatal = true
		return r
	}
	members, err := objectMembers(b)
	if err != nil {
		r.add("$", "json", err.Error())
		r.fatal = true
		return r
	}
	seen := map[string]bool{}
	for _, m := range members {
		if seen[m.name] {
			r.add(attrPath(m.name), "duplicate", "the member appears more than once; give each attribute once")
			continue
		}
		seen[m.name] = true
		if isNull(m.value) {
			// JSON format 1.0: null means the attribute is absent.
			continue
		}
		switch m.name {
		case "data":
			r.form = dataJSON
			r.data = oldCompactJSON(m.value)
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
		r.set(m.name, oldJSONAttr(m.value))
	}
	if seen["data"] && seen["data_base64"] && !oldIsNullMember(members, "data") && !oldIsNullMember(members, "data_base64") {
		// Which one the source meant is unknowable, so neither is checked.
		r.add("$.data_base64", "data-exclusive", "an event carries data or data_base64, never both; send JSON data in data")
		r.form, r.data = dataNone, nil
	}
	return r
}

func oldIsNullMember(ms []member, name string) bool {
	for _, m := range ms {
		if m.name == name {
			return isNull(m.value)
		}
	}
	return true
}

func oldCompactJSON(v json.RawMessage) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return append([]byte(nil), v...)
	}
	return buf.Bytes()
}

// As it was: jsonAttr maps a JSON value to the CloudEvents type system: string,
// boolean, or integer (32-bit signed).
func oldJSONAttr(v json.RawMessage) attr {
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return attr{kind: kindOther, what: "malformed string"}
		}
		// encoding/json turns an unpaired \uD800 escape into U+FFFD;
		// CloudEvents strings must not hold surrogates at all.
		return attr{kind: kindString, str: s, surrogate: oldHasLoneSurrogate(v)}
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

// As it was: envelope checks the context attributes and builds the event. The
// returned type is "" when the type attribute is missing or unknown.
func oldEnvelope(r *oldRawEvent) (ce.Event, Type) {
	ec := &ce.EventContextV1{}
	var t Type

	str := func(name string, required bool) (string, bool) {
		a, ok := r.attrs[name]
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
		if u, ok := parseURIRef(v); ok {
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
		ec.Subject = &v
	}
	if v, ok := str("time", false); ok {
		if tm, ok := parseTime(v); ok {
			ec.Time = &cetypes.Timestamp{Time: tm}
		} else {
			r.add("$.time", "time", "time must be an RFC 3339 timestamp with a date, a time and an offset, e.g. 2024-03-01T09:30:00Z or 2024-03-01T10:30:00.250+01:00")
		}
	} else if _, present := r.attrs["time"]; !present {
		r.add("$.time", "required", requiredMessages["time"])
	}
	if v, ok := str("datacontenttype", false); ok {
		mt, _, err := mime.ParseMediaType(v)
		switch {
		case err != nil || !typeSlashSubtype(mt):
			r.add("$.datacontenttype", "media-type", `datacontenttype must be a media type (RFC 2046), e.g. "application/json"`)
		case !isJSONMediaType(mt):
			r.add("$.datacontenttype", "profile.datacontenttype", `sundflow events carry JSON data: set datacontenttype to "application/json" (or leave it out in structured mode)`)
		default:
			ec.DataContentType = &v
		}
	}
	if v, ok := str("dataschema", false); ok {
		u, err := url.Parse(v)
		switch {
		case err != nil || !u.IsAbs() || !uriChars(v):
			r.add("$.dataschema", "uri", "dataschema must be an absolute URI (RFC 3986); leave it out or use the schema URI of the type")
		case t != "" && v != t.SchemaURI():
			r.add("$.dataschema", "profile.dataschema", "dataschema does not match the type; leave it out or set it to "+t.SchemaURI())
		default:
			ec.DataSchema = &cetypes.URI{URL: *u}
		}
	}

	for _, name := range r.order {
		if isCoreAttribute(name) {
			continue
		}
		a := r.attrs[name]
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
		if _, sent := r.attrs["datacontenttype"]; !sent {
			ct := ce.ApplicationJSON
			ec.DataContentType = &ct
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

// As it was: hasLoneSurrogate reports whether a JSON string literal escapes a
// surrogate that is not part of a valid pair.
func oldHasLoneSurrogate(lit []byte) bool {
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

type oldRuleCheck struct {
	bad      map[string]bool
	problems []Problem
}

func (c *oldRuleCheck) add(path, rule, msg string) {
	c.problems = append(c.problems, Problem{Path: path, Rule: rule, Message: msg})
	c.bad[path] = true
}

// As it was: str returns the string at path in obj, if the schema found nothing
// wrong there.
func (c *oldRuleCheck) str(obj map[string]any, base, name string) (string, bool) {
	s, ok := obj[name].(string)
	if !ok || c.bad[base+pathSegment(name)] {
		return "", false
	}
	return s, true
}

func (c *oldRuleCheck) date(obj map[string]any, base, name string) (time.Time, bool) {
	s, ok := c.str(obj, base, name)
	if !ok {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}

func (c *oldRuleCheck) integer(obj map[string]any, base, name string) (int64, bool) {
	n, ok := obj[name].(json.Number)
	if !ok || c.bad[base+pathSegment(name)] {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// As it was: codeRules walks the data and checks every reference code by the shape
// the schemas give it: any object with a country, municipalities of DK
// and SE, employers' registration numbers, occupations.
func (c *oldRuleCheck) codeRules(v any, path, key string) {
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			c.codeRules(item, path+"["+itoa(i)+"]", key)
		}
	case map[string]any:
		country, hasCountry := c.str(x, path, "country")
		if hasCountry && !refcode.IsCountry(country) {
			c.add(path+".country", RuleCountry, "is not an ISO 3166-1 alpha-2 country code: two upper-case letters, e.g. DK, SE, NO, DE")
			hasCountry = false
		}
		if mun, ok := c.str(x, path, "municipality"); ok && hasCountry {
			c.municipality(path+".municipality", country, mun)
		}
		if key == "employer" && hasCountry {
			if reg, ok := c.str(x, path, "registration_number"); ok {
				c.registration(path+".registration_number", country, reg)
			}
		}
		if key == "occupation" {
			c.occupation(x, path)
		}
		for name, child := range x {
			c.codeRules(child, path+pathSegment(name), name)
		}
	}
}

func (c *oldRuleCheck) municipality(path, country, code string) {
	switch country {
	case refcode.Denmark:
		if _, ok := refcode.DKMunicipality(code); ok {
			return
		}
		if n := refcode.NormalizeDKMunicipality(code); n != code {
			if _, ok := refcode.DKMunicipality(n); ok {
				c.add(path, RuleDKMunicipality, "is a Danish kommunekode in DAWA's 4-digit form; write it with 3 digits, without the leading zero (e.g. 217 for Helsingør)")
				return
			}
		}
		c.add(path, RuleDKMunicipality, "is not a Danish kommunekode (DAWA list of 98 municipalities, 3 digits, e.g. 101 København, 217 Helsingør)")
	case refcode.Sweden:
		if _, ok := refcode.SEMunicipality(code); !ok {
			c.add(path, RuleSEMunicipality, "is not a Swedish kommunkod (list of 290 municipalities, 4 digits with a leading zero where due, e.g. 0180 Stockholm, 1280 Malmö, 1283 Helsingborg)")
		}
	}
}

func (c *oldRuleCheck) registration(path, country, reg string) {
	switch country {
	case refcode.Denmark:
		if len(reg) != 8 || !allDigits(reg) {
			c.add(path, RuleCVR, "a Danish employer's registration number is its CVR number: exactly 8 digits, no spaces or prefix")
		}
	case refcode.Sweden:
		d := reg
		if len(d) == 11 && d[6] == '-' {
			d = d[:6] + d[7:]
		}
		if len(d) != 10 || !allDigits(d) {
			c.add(path, RuleOrgnr, "a Swedish employer's registration number is its organisationsnummer: 10 digits, optionally with a hyphen after the sixth (NNNNNN-NNNN)")
		}
	}
}

func (c *oldRuleCheck) occupation(x map[string]any, path string) {
	isco, iscoOK := c.str(x, path, "isco")
	if iscoOK {
		if _, ok := refcode.ISCO(isco); !ok {
			c.add(path+".isco", RuleISCO, "is not an ISCO-08 code (ILO ISCO-08 structure: major group 1 digit, sub-major 2, minor 3, unit group 4, e.g. 2221 nursing professionals)")
			iscoOK = false
		}
	}
	if ssyk, ok := c.str(x, path, "ssyk"); ok {
		switch {
		case !knownSSYK(ssyk):
			c.add(path+".ssyk", RuleSSYK, "is not an SSYK 2012 unit group (the 400 4-digit codes of Statistics Sweden's list, as JobTech's occupation_group.legacy_ams_taxonomy_id gives them)")
		case iscoOK && ssyk[0] != isco[0]:
			c.add(path+".ssyk", RuleSSYK, "the first digit of an SSYK 2012 code is the ISCO-08 major group, so it must equal the first digit of isco")
		}
	}
	if disco, ok := c.str(x, path, "disco"); ok && len(disco) >= 4 {
		switch {
		case !isUnitGroup(disco[:4]):
			c.add(path+".disco", RuleDISCO, "the first four digits of a DISCO-08 code must be an ISCO-08 unit group")
		case iscoOK && len(isco) == 4 && disco[:4] != isco:
			c.add(path+".disco", RuleDISCO, "the first four digits of a DISCO-08 code are the ISCO-08 unit group, so they must equal isco")
		case iscoOK && !strings.HasPrefix(disco, isco):
			c.add(path+".disco", RuleDISCO, "a DISCO-08 code starts with the ISCO-08 group it belongs to, so it must start with isco")
		}
	}
}

// As it was: crossRules checks the rules that relate fields of one type's data, and
// for retractions the envelope.
func (c *oldRuleCheck) crossRules(t Type, data map[string]any, source, id string) {
	const base = "$.data"
	notBefore := func(later, earlier, what string) {
		l, ok1 := c.date(data, base, later)
		e, ok2 := c.date(data, base, earlier)
		if ok1 && ok2 && l.Before(e) {
			c.add(base+"."+later, RuleDateOrder, what)
		}
	}
	switch t {
	case VacancyPublished:
		notBefore("deadline", "published", "the application deadline must not be before the publication date")
	case VacancyClosed:
		notBefore("closed", "published", "the closing date must not be before the publication date")
		reason, _ := c.str(data, base, "reason")
		filled, hasFilled := c.integer(data, base, "positions_filled")
		if reason == "filled" && hasFilled && filled < 1 {
			c.add(base+".positions_filled", RuleFilled, "a vacancy closed as filled must have positions_filled of at least 1; use reason withdrawn or expired when nobody was hired")
		}
		if positions, ok := c.integer(data, base, "positions"); ok && hasFilled && filled > positions {
			c.add(base+".positions_filled", RulePositionsFilled, "positions_filled must not exceed positions")
		}
	case FairScheduled:
		notBefore("end_date", "date", "the last day of the fair (end_date) must not be before its first day (date)")
	case PlacementStarted:
		work, _ := data["workplace"].(map[string]any)
		person, _ := data["person"].(map[string]any)
		res, _ := person["residence"].(map[string]any)
		wc, ok1 := c.str(work, base+".workplace", "country")
		rc, ok2 := c.str(res, base+".person.residence", "country")
		if ok1 && ok2 && wc == rc {
			c.add(base+".workplace.country", RuleCrossBorder, "a placement in sundflow is cross-border: the work country must differ from the person's country of residence (person.residence.country)")
		}
		notBefore("planned_end", "start", "the planned end must not be before the start")
	case PlacementEnded:
		notBefore("end", "start", "the end date must not be before the start date")
	case EventRetracted:
		rs, ok := c.str(data, base, "retracted_source")
		if ok && source != "" && rs != source {
			c.add(base+".retracted_source", RuleRetractSource, "a source may retract only its own events: retracted_source must equal this event's source")
		}
		if rid, ok := c.str(data, base, "retracted_id"); ok && rs == source && rid == id {
			c.add(base+".retracted_id", RuleRetractSelf, "a retraction cannot retract itself: retracted_id names this event's own id")
		}
	}
}

// As it was: Encode writes e in the CloudEvents JSON format (structured mode), in a
// stable member order: the core attributes, the extensions by name, then
// data. time keeps the offset it was given. [Validator.ParseStructured]
// of the result gives e back.
func oldEncode(e ce.Event) ([]byte, error) {
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		return nil, errors.New("encode event: not a CloudEvents 1.0 event")
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	field := func(name string, v any) error {
		b, err := oldMarshalNoEscape(v)
		if err != nil {
			return fmt.Errorf("encode event: %s: %w", name, err)
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, _ := oldMarshalNoEscape(name)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(b)
		return nil
	}
	var err error
	must := func(name string, v any) {
		if err == nil {
			err = field(name, v)
		}
	}
	must("specversion", ce.CloudEventsVersionV1)
	must("id", ec.ID)
	must("source", ec.Source.String())
	must("type", ec.Type)
	if ec.DataContentType != nil {
		must("datacontenttype", *ec.DataContentType)
	}
	if ec.DataSchema != nil {
		must("dataschema", ec.DataSchema.String())
	}
	if ec.Subject != nil {
		must("subject", *ec.Subject)
	}
	if ec.Time != nil {
		must("time", ec.Time.Format(time.RFC3339Nano))
	}
	names := make([]string, 0, len(ec.Extensions))
	for k := range ec.Extensions {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if isCoreAttribute(k) || k == "data" || k == "data_base64" {
			return nil, fmt.Errorf("encode event: extension %q collides with a core member", k)
		}
		must(k, ec.Extensions[k])
	}
	if err != nil {
		return nil, err
	}
	if e.DataEncoded != nil {
		if e.DataBase64 {
			must("data_base64", base64.StdEncoding.EncodeToString(e.DataEncoded))
		} else {
			if !json.Valid(e.DataEncoded) {
				return nil, errors.New("encode event: data is not valid JSON")
			}
			must("data", json.RawMessage(e.DataEncoded))
		}
		if err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// As it was: marshalNoEscape is json.Marshal without HTML escaping, so that text
// such as "R&D" stays readable in the stream.
func oldMarshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// As it was: arrayElements splits a JSON array into its elements. The error says
// why the text is not a JSON array, without quoting it.
func oldArrayElements(b []byte) ([]element, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err, b)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("a batch must be a JSON array [...] of events, not %s", jsonKind(tok))
	}
	var out []element
	for dec.More() {
		start := int(dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, jsonError(err, b)
		}
		// InputOffset is at the end of the previous token; the element
		// starts at the first non-space, non-comma byte after it.
		for start < len(b) && (b[start] == ',' || isSpace(b[start])) {
			start++
		}
		line, _ := lineCol(b, start)
		out = append(out, element{value: v, line: line})
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(err, b)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the text goes on after the batch's closing bracket")
	}
	return out, nil
}

// As it was: compileSchemas compiles every type's data schema from [schemas.FS],
// with format assertions on (so "date" is checked, not just annotated).
func oldCompileSchemas() (map[Type]*jsonschema.Schema, map[string]fieldHint, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	docs := map[string]any{}
	names, err := fs.Glob(schemas.FS, "*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("list schemas: %w", err)
	}
	for _, name := range names {
		f, err := schemas.FS.Open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("open schema %s: %w", name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("parse schema %s: %w", name, err)
		}
		docs[name] = doc
		if err := c.AddResource(schemas.BaseURI+name, doc); err != nil {
			return nil, nil, fmt.Errorf("add schema %s: %w", name, err)
		}
	}
	compiled := map[Type]*jsonschema.Schema{}
	hints := map[string]fieldHint{}
	for _, t := range Types {
		s, err := c.Compile(t.SchemaURI())
		if err != nil {
			return nil, nil, fmt.Errorf("compile schema of %s: %w", t, err)
		}
		compiled[t] = s
		name := string(t) + ".json"
		doc, ok := docs[name]
		if !ok {
			return nil, nil, fmt.Errorf("schema of %s: no file %s", t, name)
		}
		collectHints(docs, name, doc, hintKey(t, "$.data"), hints, 0)
	}
	return compiled, hints, nil
}

// As it was: schemaProblems validates data (decoded with numbers kept exact) against
// t's schema and turns every failure into a [Problem].
func oldSchemaProblems(v *Validator, t Type, data any) []Problem {
	err := v.schemas[t].Validate(data)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Path: "$.data", Rule: "schema", Message: "the data could not be checked against the schema of " + string(t)}}
	}
	var out []Problem
	v.collect(t, ve, data, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return dedupe(out)
}

// As it was: nationalID reports which national-id rule s breaks, if any.
func oldNationalID(s string) (rule string, found bool) {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if wordBefore(s, start) {
			continue
		}
		run := s[start:i]
		// 10 or 12 digits on their own.
		if !wordAfter(s, i) {
			if r, ok := classifyDigits(run, 0); ok {
				return r, true
			}
		}
		// 6 or 8 digits, a separator, 4 digits.
		if (len(run) == 6 || len(run) == 8) && i < len(s) && (s[i] == '-' || s[i] == '+') {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j-(i+1) == 4 && !wordAfter(s, j) {
				if r, ok := classifyDigits(run+s[i+1:j], s[i]); ok {
					return r, true
				}
			}
		}
	}
	return "", false
}

// As it was: privacyRule is the first privacy rule s breaks, if any.
func oldPrivacyRule(s string) (string, bool) {
	if r, ok := oldNationalID(s); ok {
		return r, true
	}
	if hasEmail(s) {
		return RulePrivacyEmail, true
	}
	return "", false
}
