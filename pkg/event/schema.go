package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/sundflow/sundflow/schemas"
)

// fieldHint is what the schema says about one place in the data, used to
// turn a schema error into a message a developer can act on.
type fieldHint struct {
	description string
	pattern     string
	properties  []string // for objects: the allowed fields, in schema order
	oneOf       string   // for objects with a oneOf of required sets
}

// compileSchemas compiles every type's data schema from [schemas.FS],
// with format assertions on (so "date" is checked, not just annotated).
func compileSchemas() (map[Type]*jsonschema.Schema, map[string]fieldHint, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseRegexpEngine(compilePattern)
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

func hintKey(t Type, path string) string { return string(t) + " " + path }

// collectHints walks a schema document, following $refs between the
// embedded files, and records descriptions, patterns and allowed fields
// by path ([*] for array items).
func collectHints(docs map[string]any, file string, s any, key string, hints map[string]fieldHint, depth int) {
	m, ok := s.(map[string]any)
	if !ok || depth > 20 {
		return
	}
	h := hints[key]
	if d, ok := m["description"].(string); ok && h.description == "" {
		h.description = d
	}
	if p, ok := m["pattern"].(string); ok && h.pattern == "" {
		h.pattern = p
	}
	if props, ok := m["properties"].(map[string]any); ok {
		var names []string
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		h.properties = names
	}
	if branches, ok := m["oneOf"].([]any); ok {
		var names []string
		for _, b := range branches {
			if bm, ok := b.(map[string]any); ok {
				if req, ok := bm["required"].([]any); ok && len(req) == 1 {
					names = append(names, fmt.Sprint(req[0]))
				}
			}
		}
		if len(names) == len(branches) {
			h.oneOf = "give exactly one of " + strings.Join(names, " and ")
		}
	}
	hints[key] = h
	if ref, ok := m["$ref"].(string); ok {
		refFile, ptr, _ := strings.Cut(ref, "#")
		if refFile == "" {
			refFile = file
		}
		if target := resolvePointer(docs[refFile], ptr); target != nil {
			collectHints(docs, refFile, target, key, hints, depth+1)
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for n, p := range props {
			collectHints(docs, file, p, key+pathSegment(n), hints, depth+1)
		}
	}
	if items, ok := m["items"]; ok {
		collectHints(docs, file, items, key+"[*]", hints, depth+1)
	}
}

func resolvePointer(doc any, ptr string) any {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

var arrayIndex = regexp.MustCompile(`\[[0-9]+\]`)

func (v *Validator) hint(t Type, path string) fieldHint {
	return v.hints[hintKey(t, arrayIndex.ReplaceAllString(path, "[*]"))]
}

// schemaProblems validates data (a tree, numbers kept exact) against
// t's schema and turns every failure into a [Problem].
func (v *Validator) schemaProblems(t Type, tree *node) []Problem {
	if v.fast[t] && fastValid(v.schemas[t], tree) {
		return nil
	}
	data := libraryTree(tree)
	err := libraryValidate(v.schemas[t], data)
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

// errLibraryPanic stands for a panic of the schema library.
var errLibraryPanic = errors.New("the schema library panicked")

// libraryValidate runs the library's validator. The library panics on a
// number math/big will not hold (an exponent in the millions, such as
// 1e1000000000, where the schema gives a minimum or a maximum); such an
// event gets the problem of data that cannot be checked, rather than
// taking the gateway or the projector down with it.
func libraryValidate(s *jsonschema.Schema, data any) (err error) {
	defer func() {
		if recover() != nil {
			err = errLibraryPanic
		}
	}()
	return s.Validate(data)
}

func dedupe(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// instancePath renders a schema error's instance location as a JSON path
// under $.data, telling array indexes from member names by looking at
// the data.
func instancePath(data any, loc []string) string {
	var b strings.Builder
	b.WriteString("$.data")
	cur := data
	for _, seg := range loc {
		switch c := cur.(type) {
		case []any:
			i, _ := strconv.Atoi(seg)
			b.WriteString("[" + seg + "]")
			if i >= 0 && i < len(c) {
				cur = c[i]
			} else {
				cur = nil
			}
		case map[string]any:
			b.WriteString(pathSegment(seg))
			cur = c[seg]
		default:
			b.WriteString(pathSegment(seg))
			cur = nil
		}
	}
	return b.String()
}

func (v *Validator) collect(t Type, ve *jsonschema.ValidationError, data any, out *[]Problem) {
	path := instancePath(data, ve.InstanceLocation)
	add := func(p, rule, msg string) { *out = append(*out, Problem{Path: p, Rule: rule, Message: msg}) }
	h := v.hint(t, path)
	switch k := ve.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		for _, c := range ve.Causes {
			v.collect(t, c, data, out)
		}
	case *kind.Required:
		for _, name := range k.Missing {
			p := path + pathSegment(name)
			msg := name + " is required"
			if d := v.hint(t, p).description; d != "" {
				msg += ": " + d
			}
			add(p, "required", msg)
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			msg := "is not a field here"
			if len(h.properties) > 0 {
				msg += "; the fields allowed at " + path + " are: " + strings.Join(h.properties, ", ")
			}
			add(path+pathSegment(name), "additionalProperties", msg)
		}
	case *kind.OneOf:
		msg := h.oneOf
		if msg == "" {
			msg = "must match exactly one of the shapes the schema allows"
		}
		add(path, "oneOf", msg)
	case *kind.AnyOf:
		add(path, "anyOf", "must match at least one of the shapes the schema allows")
	case *kind.Not:
		add(path, "not", "has a shape the schema forbids")
	case *kind.Type:
		add(path, "type", "must be "+article(strings.Join(k.Want, " or "))+", not "+article(k.Got))
	case *kind.Enum:
		add(path, "enum", "must be one of: "+jsonList(k.Want))
	case *kind.Const:
		add(path, "const", "must be "+jsonText(k.Want))
	case *kind.Pattern:
		msg := "does not have the required form (pattern " + k.Want + ")"
		if h.description != "" {
			msg = "does not have the required form: " + h.description + " (pattern " + k.Want + ")"
		}
		add(path, "pattern", msg)
	case *kind.Format:
		add(path, "format", formatMessage(k.Want))
	case *kind.MinLength:
		add(path, "minLength", fmt.Sprintf("must have at least %d character%s", k.Want, plural(k.Want)))
	case *kind.MaxLength:
		add(path, "maxLength", fmt.Sprintf("must have at most %d character%s", k.Want, plural(k.Want)))
	case *kind.MinItems:
		add(path, "minItems", fmt.Sprintf("must have at least %d item%s", k.Want, plural(k.Want)))
	case *kind.MaxItems:
		add(path, "maxItems", fmt.Sprintf("must have at most %d item%s", k.Want, plural(k.Want)))
	case *kind.UniqueItems:
		add(path, "uniqueItems", "must not list the same item twice")
	case *kind.Minimum:
		add(path, "minimum", "must be at least "+ratText(k.Want))
	case *kind.Maximum:
		add(path, "maximum", "must be at most "+ratText(k.Want))
	case *kind.ExclusiveMinimum:
		add(path, "exclusiveMinimum", "must be greater than "+ratText(k.Want))
	case *kind.ExclusiveMaximum:
		add(path, "exclusiveMaximum", "must be less than "+ratText(k.Want))
	case *kind.MultipleOf:
		add(path, "multipleOf", "must be a multiple of "+ratText(k.Want))
	case *kind.FalseSchema:
		add(path, "false", "is not allowed here")
	default:
		// A keyword the contract does not use today; name it without the
		// library's message, which may quote the value.
		rule := "schema"
		if kp := ve.ErrorKind.KeywordPath(); len(kp) > 0 {
			rule = kp[len(kp)-1]
		}
		add(path, rule, "does not satisfy the schema keyword "+rule+" of "+string(t))
		for _, c := range ve.Causes {
			v.collect(t, c, data, out)
		}
	}
}

func formatMessage(format string) string {
	switch format {
	case "date":
		return "must be a calendar date written YYYY-MM-DD (RFC 3339 full-date), e.g. 2024-03-01"
	case "date-time":
		return "must be an RFC 3339 timestamp, e.g. 2024-03-01T09:30:00Z"
	}
	return "must be in " + format + " format"
}

func article(s string) string {
	switch s {
	case "":
		return s
	case "integer", "object", "array":
		return "an " + s
	case "null":
		return s
	}
	return "a " + s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(6)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonList(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		if str, ok := v.(string); ok {
			s[i] = str
		} else {
			s[i] = jsonText(v)
		}
	}
	return strings.Join(s, ", ")
}
