package event

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"mime"
	"sort"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	cetypes "github.com/cloudevents/sdk-go/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validator checks events against the contract. It is safe for
// concurrent use; build one at start and share it.
type Validator struct {
	schemas map[Type]*jsonschema.Schema
	// fast: the type's schema can be checked by [fastValid] first.
	fast  map[Type]bool
	hints map[string]fieldHint
}

// NewValidator compiles the embedded schemas of every type.
func NewValidator() (*Validator, error) {
	s, h, err := compileSchemas()
	if err != nil {
		return nil, fmt.Errorf("new validator: %w", err)
	}
	fast := map[Type]bool{}
	for t, sch := range s {
		fast[t] = fastSchemaSupported(sch)
	}
	return &Validator{schemas: s, fast: fast, hints: h}, nil
}

// ParseStructured decodes one event in the CloudEvents JSON format
// (structured content mode) and checks it by every rule. On failure the
// error is an [*InvalidError] listing every problem, and the event holds
// only id, source and type, where present and safe to echo, so the
// caller can name the rejected event.
func (v *Validator) ParseStructured(b []byte) (ce.Event, error) {
	return v.check(decodeStructured(b))
}

// ParseAttested decodes a structured event that this validator already
// accepted elsewhere, as [pkg/attest] proves for the events the gateway
// stores: it skips the schema, code, cross-field and privacy checks,
// which are most of the cost of ParseStructured. An event that does not
// even decode cleanly gets the full check, so its problems are reported
// as ParseStructured would. The event's data and attribute strings may
// share b's memory, so b must not change afterwards. Never call it for
// input nobody checked.
func (v *Validator) ParseAttested(b []byte) (ce.Event, error) {
	r := decodeStructuredTree(b, false)
	if r.fatal || len(r.problems) > 0 || r.form != dataJSON {
		return v.ParseStructured(b)
	}
	e, t := r.envelope()
	if t == "" || len(r.problems) > 0 {
		return v.ParseStructured(b)
	}
	return e, nil
}

// Result is the outcome for one event of a batch or a file.
type Result struct {
	// Index is the event's position, from 0, in the batch or the file.
	Index int
	// Line is the line, from 1, where the event starts in the input.
	Line  int
	Event ce.Event
	Err   error // nil, or an *InvalidError
}

// ParseBatch decodes a JSON array of structured events (the CloudEvents
// JSON batch format) and checks each one. The error is non-nil only when
// the body is not a JSON array at all (an [*InvalidError] with one
// problem at $); a bad element gets its own Result.Err.
func (v *Validator) ParseBatch(b []byte) ([]Result, error) {
	elems, err := arrayElements(b)
	if err != nil {
		return nil, &InvalidError{Problems: []Problem{{Path: "$", Rule: "batch", Message: err.Error()}}}
	}
	out := make([]Result, len(elems))
	for i, el := range elems {
		e, err := v.ParseStructured(el.value)
		out[i] = Result{Index: i, Line: el.line, Event: e, Err: err}
	}
	return out, nil
}

// ParseBinary decodes a binary-mode event: attrs are the context
// attributes by name (without the ce- / ce_ prefix, lower case, values
// already percent-decoded; see [HTTPBinaryAttrs] and [NATSBinaryAttrs]),
// contentType the datacontenttype (the Content-Type header), data the
// message body.
func (v *Validator) ParseBinary(attrs map[string]string, contentType string, data []byte) (ce.Event, error) {
	r := &rawEvent{}
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
			if validJSON(data) {
				r.form = dataJSON
				r.data = compactJSON(data)
			} else {
				r.add("$.data", "json", "the body is not valid JSON, but the content type says it is")
				r.data = nil
				r.form = dataNone
			}
		}
	}
	return v.check(r)
}

// Validate checks an event built in Go (by a producer) by every rule.
func (v *Validator) Validate(e ce.Event) error {
	r := &rawEvent{}
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		if e.Context != nil {
			r.set("specversion", attr{kind: kindString, str: e.Context.GetSpecVersion()})
		}
		_, err := v.check(r)
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
		} else if validJSON(e.DataEncoded) {
			r.form, r.data = dataJSON, e.DataEncoded
		} else {
			r.add("$.data", "json", "the data is not valid JSON; build events with New")
		}
	}
	_, err := v.check(r)
	return err
}

// goAttr maps an extension value set in Go to the CloudEvents type
// system the way the SDK does (integers to 32 bits, URIs and timestamps
// to their string forms).
func goAttr(v any) attr {
	switch x := v.(type) {
	case string:
		return attr{kind: kindString, str: x}
	case bool:
		return attr{kind: kindBool, b: x}
	case int32:
		return attr{kind: kindInteger, i: x}
	case int, int8, int16, int64, uint, uint8, uint16, uint32, uint64:
		if i, err := cetypes.ToInteger(x); err == nil {
			return attr{kind: kindInteger, i: i}
		}
		return attr{kind: kindOther, what: "an integer outside the 32-bit range"}
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt32 && x <= math.MaxInt32 {
			return attr{kind: kindInteger, i: int32(x)}
		}
		return attr{kind: kindOther, what: "a number with a fraction or outside the 32-bit range"}
	case []byte:
		return attr{kind: kindString, str: base64.StdEncoding.EncodeToString(x)}
	}
	if s, err := cetypes.Format(v); err == nil {
		return attr{kind: kindString, str: s}
	}
	return attr{kind: kindOther, what: fmt.Sprintf("a Go %T", v)}
}

// check runs every rule on a decoded event: the envelope, the data
// against its type's schema, reference codes and cross-field rules, and
// the privacy scan. It never stops at the first problem.
func (v *Validator) check(r *rawEvent) (ce.Event, error) {
	if r.fatal {
		return ce.Event{Context: &ce.EventContextV1{}}, &InvalidError{Problems: r.problems}
	}
	e, t := r.envelope()
	problems := r.problems

	var data node
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
	case r.form == dataBase64 && !validJSON(r.data):
		problems = append(problems, Problem{Path: r.dataPath, Rule: "json", Message: "the data is not JSON; sundflow events carry a JSON object as data"})
	default:
		data, dataOK = r.tree, r.hasTree
		if !dataOK {
			data, dataOK = parseJSONTree(r.data)
		}
		if !dataOK {
			d, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.data))
			if err != nil {
				problems = append(problems, Problem{Path: "$.data", Rule: "json", Message: "the data is not valid JSON"})
			} else {
				data, dataOK = fastTree(d), true
			}
		}
	}

	if dataOK && t != "" {
		sp := v.schemaProblems(t, &data)
		problems = append(problems, sp...)
		rc := &ruleCheck{}
		for _, p := range sp {
			rc.markBad(p.Path)
		}
		if data.kind == nodeObject {
			rc.codeRules(&data, "$.data", "")
			rc.crossRules(t, &data, e.Source(), e.ID())
		}
		sort.SliceStable(rc.problems, func(i, j int) bool { return rc.problems[i].Path < rc.problems[j].Path })
		problems = append(problems, rc.problems...)
	}

	flagged := map[string]bool{}
	pp := privacyScan(r, &data, dataOK, flagged)
	problems = append(problems, pp...)

	if len(problems) > 0 {
		return safeEvent(e, flagged), &InvalidError{Problems: problems}
	}
	return e, nil
}

func hasProblemAt(ps []Problem, path string) bool {
	for _, p := range ps {
		if p.Path == path {
			return true
		}
	}
	return false
}

// privacyScan looks for national ids and e-mail addresses in every
// string the event carries: its attributes (id, source, subject and
// extensions) and every string and member name of its data.
func privacyScan(r *rawEvent, data *node, dataOK bool, flagged map[string]bool) []Problem {
	var out []Problem
	for _, na := range r.attrs {
		name, a := na.name, na.attr
		if a.kind != kindString {
			continue
		}
		switch name {
		case "specversion", "type", "datacontenttype", "dataschema", "time":
			continue // checked against fixed forms already
		}
		if rule, bad := privacyRule(a.str); bad {
			out = append(out, Problem{Path: attrPath(name), Rule: rule, Message: "this attribute " + privacyMessages[rule]})
			flagged[name] = true
		}
	}
	switch {
	case dataOK && !anyPrivacyHit(data):
		// Nearly every event: nothing to report, so the walk below that
		// builds paths in a stable order is not needed.
	case dataOK:
		walkStrings(libraryTree(data), "$.data", func(path, s string, isKey bool) {
			if rule, bad := privacyRule(s); bad {
				what := "this field "
				if isKey {
					what = "a member name here "
				}
				out = append(out, Problem{Path: path, Rule: rule, Message: what + privacyMessages[rule]})
			}
		})
	case len(r.data) > 0:
		if rule, bad := privacyRule(string(r.data)); bad {
			out = append(out, Problem{Path: "$.data", Rule: rule, Message: "the data " + privacyMessages[rule]})
		}
	}
	return out
}

// walkStrings calls fn for every string value and member name in v.
func walkStrings(v any, path string, fn func(path, s string, isKey bool)) {
	switch x := v.(type) {
	case string:
		fn(path, x, false)
	case []any:
		for i, item := range x {
			walkStrings(item, path+"["+itoa(i)+"]", fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, bad := privacyRule(k); bad {
				fn(path, k, true)
			}
			walkStrings(x[k], path+pathSegment(k), fn)
		}
	}
}

// anyPrivacyHit reports whether any string value or member name in the
// tree n breaks a privacy rule.
func anyPrivacyHit(n *node) bool {
	switch n.kind {
	case nodeString:
		_, bad := privacyRule(n.str)
		return bad
	case nodeArray, nodeObject:
		for i := range n.kids {
			k := &n.kids[i]
			if n.kind == nodeObject {
				if _, bad := privacyRule(k.name); bad {
					return true
				}
			}
			if anyPrivacyHit(k) {
				return true
			}
		}
	}
	return false
}

// safeEvent keeps of a rejected event only what a caller needs to name
// it: id, source and type, unless the privacy scan flagged them.
func safeEvent(e ce.Event, flagged map[string]bool) ce.Event {
	ec, _ := e.Context.(*ce.EventContextV1)
	out := &ce.EventContextV1{}
	if ec != nil {
		if !flagged["id"] {
			out.ID = ec.ID
		}
		if !flagged["source"] {
			out.Source = ec.Source
		}
		out.Type = ec.Type
	}
	return ce.Event{Context: out}
}
