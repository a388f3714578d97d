package event

import (
	"encoding/json"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema checks have two paths. The library's validator builds an error
// tree with locations and scopes for every event, which made it the
// largest single cost of validation even though nearly every event is
// valid. So a small evaluator answers "valid or not" straight from the
// compiled schema (the library's own *jsonschema.Schema: its resolved
// $refs, compiled patterns and format checkers), and only when it says
// "not valid" does the library run, to produce the detailed errors
// every message is made from. It covers the keywords the contract's
// schemas use; a type whose schema uses any other keyword always goes
// through the library ([fastSchemaSupported] decides at start).
//
// The evaluator must never pass what the library rejects; it follows
// the library keyword by keyword (validator.go of jsonschema/v6), and
// FuzzSchemaVerdict checks both give the same verdict.

// fastSchemaSupported reports whether every schema reachable from s
// uses only keywords [fastValid] evaluates, and no $ref cycle that does
// not descend into the instance (which the evaluator would follow for
// ever).
func fastSchemaSupported(s *jsonschema.Schema) bool {
	return fastSupported(s, map[*jsonschema.Schema]bool{}, map[*jsonschema.Schema]bool{})
}

// fastSupported walks the schema graph: onPath holds the schemas
// reached from the current one without descending into the instance,
// done those already found supported.
func fastSupported(s *jsonschema.Schema, onPath, done map[*jsonschema.Schema]bool) bool {
	if s == nil {
		return true
	}
	if onPath[s] {
		return false
	}
	if s.Bool != nil {
		return true
	}
	unsupported := s.DraftVersion < 2020 ||
		s.RecursiveRef != nil || s.DynamicRef != nil ||
		s.PropertyNames != nil || len(s.PatternProperties) > 0 ||
		len(s.Dependencies) > 0 || len(s.DependentRequired) > 0 || len(s.DependentSchemas) > 0 ||
		s.UnevaluatedProperties != nil || s.UnevaluatedItems != nil ||
		s.Contains != nil || s.MinContains != nil || s.MaxContains != nil ||
		s.Items != nil || s.AdditionalItems != nil ||
		s.ContentEncoding != nil || s.ContentMediaType != nil || s.ContentSchema != nil ||
		len(s.Extensions) > 0
	if unsupported {
		return false
	}
	if s.Format != nil && s.Format.Name == "regex" {
		return false // the library may check it with another engine
	}
	switch s.AdditionalProperties.(type) {
	case nil, bool, *jsonschema.Schema:
	default:
		return false
	}
	if done[s] {
		return true
	}
	// Keywords applied to the same instance: a cycle through them loops.
	onPath[s] = true
	same := []*jsonschema.Schema{s.Ref, s.Not, s.If, s.Then, s.Else}
	same = append(append(append(same, s.AllOf...), s.AnyOf...), s.OneOf...)
	for _, c := range same {
		if !fastSupported(c, onPath, done) {
			return false
		}
	}
	delete(onPath, s)
	done[s] = true
	// Keywords applied to members and items start a fresh path.
	var deeper []*jsonschema.Schema
	for _, c := range s.Properties {
		deeper = append(deeper, c)
	}
	if a, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
		deeper = append(deeper, a)
	}
	deeper = append(append(deeper, s.PrefixItems...), s.Items2020)
	for _, c := range deeper {
		if !fastSupported(c, map[*jsonschema.Schema]bool{}, done) {
			return false
		}
	}
	return true
}

// fastValid reports whether v, a tree of the fast parser, is valid
// against s. s must pass [fastSchemaSupported].
func fastValid(s *jsonschema.Schema, v *node) bool {
	if s.Bool != nil {
		return *s.Bool
	}
	if s.Types != nil && !s.Types.IsEmpty() && !typeMatches(*s.Types, v) {
		return false
	}
	if s.Const != nil && !equalsValue(v, *s.Const) {
		return false
	}
	if s.Enum != nil {
		found := false
		for _, want := range s.Enum.Values {
			if equalsValue(v, want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if s.Format != nil && s.Format.Validate(formatArg(v)) != nil {
		return false
	}
	if s.Ref != nil && !fastValid(s.Ref, v) {
		return false
	}
	switch v.kind {
	case nodeObject:
		if !fastObject(s, v) {
			return false
		}
	case nodeArray:
		if !fastArray(s, v.kids) {
			return false
		}
	case nodeString:
		if !fastString(s, v.str) {
			return false
		}
	case nodeNumber:
		if !fastNumber(s, v.str) {
			return false
		}
	}
	if s.Not != nil && fastValid(s.Not, v) {
		return false
	}
	for _, c := range s.AllOf {
		if !fastValid(c, v) {
			return false
		}
	}
	if len(s.AnyOf) > 0 {
		any := false
		for _, c := range s.AnyOf {
			if fastValid(c, v) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	if len(s.OneOf) > 0 {
		n := 0
		for _, c := range s.OneOf {
			if fastValid(c, v) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	if s.If != nil {
		if fastValid(s.If, v) {
			if s.Then != nil && !fastValid(s.Then, v) {
				return false
			}
		} else if s.Else != nil && !fastValid(s.Else, v) {
			return false
		}
	}
	return true
}

// formatArg is the value a format checker gets, as the library passes
// it: format checkers look at strings only, so other values need not be
// converted.
func formatArg(v *node) any {
	if v.kind == nodeString {
		return v.str
	}
	return libraryTree(v)
}

// The bits of [jsonschema.Types], found through its exported API.
var (
	typeNull    = typeBit("null")
	typeBoolean = typeBit("boolean")
	typeNumber  = typeBit("number")
	typeInteger = typeBit("integer")
	typeString  = typeBit("string")
	typeArray   = typeBit("array")
	typeObject  = typeBit("object")
)

func typeBit(name string) jsonschema.Types {
	var t jsonschema.Types
	t.Add(name)
	return t
}

// typeMatches: a number matches "integer" when it has no fraction, by
// value (1.0 and 1e2 are integers), as the library decides.
func typeMatches(t jsonschema.Types, v *node) bool {
	switch v.kind {
	case nodeNull:
		return t&typeNull != 0
	case nodeBool:
		return t&typeBoolean != 0
	case nodeString:
		return t&typeString != 0
	case nodeArray:
		return t&typeArray != 0
	case nodeObject:
		return t&typeObject != 0
	case nodeNumber:
		return t&typeNumber != 0 || (t&typeInteger != 0 && isIntegerNumber(v.str))
	}
	return false
}

func isIntegerNumber(n string) bool {
	if plainInteger(n) {
		return true
	}
	r, ok := new(big.Rat).SetString(n)
	return ok && r.IsInt()
}

// plainInteger: an optional minus and digits only.
func plainInteger(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	return allDigits(s)
}

func fastObject(s *jsonschema.Schema, obj *node) bool {
	if s.MinProperties != nil && len(obj.kids) < *s.MinProperties {
		return false
	}
	if s.MaxProperties != nil && len(obj.kids) > *s.MaxProperties {
		return false
	}
	for _, name := range s.Required {
		if obj.member(name) == nil {
			return false
		}
	}
	for i := range obj.kids {
		m := &obj.kids[i]
		if ps, ok := s.Properties[m.name]; ok {
			if !fastValid(ps, m) {
				return false
			}
			continue
		}
		switch a := s.AdditionalProperties.(type) {
		case bool:
			if !a {
				return false
			}
		case *jsonschema.Schema:
			if !fastValid(a, m) {
				return false
			}
		}
	}
	return true
}

func fastArray(s *jsonschema.Schema, arr []node) bool {
	if s.MinItems != nil && len(arr) < *s.MinItems {
		return false
	}
	if s.MaxItems != nil && len(arr) > *s.MaxItems {
		return false
	}
	if s.UniqueItems {
		for i := 1; i < len(arr); i++ {
			for j := 0; j < i; j++ {
				if nodesEqual(&arr[i], &arr[j]) {
					return false
				}
			}
		}
	}
	n := min(len(s.PrefixItems), len(arr))
	for i := 0; i < n; i++ {
		if !fastValid(s.PrefixItems[i], &arr[i]) {
			return false
		}
	}
	if s.Items2020 != nil {
		for i := n; i < len(arr); i++ {
			if !fastValid(s.Items2020, &arr[i]) {
				return false
			}
		}
	}
	return true
}

func fastString(s *jsonschema.Schema, str string) bool {
	if s.MinLength != nil || s.MaxLength != nil {
		n := utf8.RuneCountInString(str)
		if (s.MinLength != nil && n < *s.MinLength) || (s.MaxLength != nil && n > *s.MaxLength) {
			return false
		}
	}
	return s.Pattern == nil || s.Pattern.MatchString(str)
}

func fastNumber(s *jsonschema.Schema, n string) bool {
	if s.Minimum == nil && s.Maximum == nil && s.ExclusiveMinimum == nil && s.ExclusiveMaximum == nil && s.MultipleOf == nil {
		return true
	}
	num, ok := new(big.Rat).SetString(n)
	if !ok {
		return false // the library fails such a number too
	}
	switch {
	case s.Minimum != nil && num.Cmp(s.Minimum) < 0,
		s.Maximum != nil && num.Cmp(s.Maximum) > 0,
		s.ExclusiveMinimum != nil && num.Cmp(s.ExclusiveMinimum) <= 0,
		s.ExclusiveMaximum != nil && num.Cmp(s.ExclusiveMaximum) >= 0:
		return false
	case s.MultipleOf != nil:
		return new(big.Rat).Quo(num, s.MultipleOf).IsInt()
	}
	return true
}

// nodesEqual is JSON equality as the library has it: numbers by value,
// objects regardless of member order.
func nodesEqual(a, b *node) bool {
	if a.kind != b.kind || len(a.kids) != len(b.kids) {
		return false
	}
	switch a.kind {
	case nodeNull:
		return true
	case nodeBool:
		return a.b == b.b
	case nodeString:
		return a.str == b.str
	case nodeNumber:
		return numbersEqual(a.str, b.str)
	case nodeArray:
		for i := range a.kids {
			if !nodesEqual(&a.kids[i], &b.kids[i]) {
				return false
			}
		}
		return true
	case nodeObject:
		for i := range a.kids {
			bm := b.member(a.kids[i].name)
			if bm == nil || !nodesEqual(&a.kids[i], bm) {
				return false
			}
		}
		return true
	}
	return false
}

// equalsValue is nodesEqual between a node and a value of a schema (a
// const or an enum member), which the library holds as it decodes JSON.
func equalsValue(a *node, b any) bool {
	switch y := b.(type) {
	case nil:
		return a.kind == nodeNull
	case bool:
		return a.kind == nodeBool && a.b == y
	case string:
		return a.kind == nodeString && a.str == y
	case json.Number:
		return a.kind == nodeNumber && numbersEqual(a.str, string(y))
	case float64:
		return a.kind == nodeNumber && numbersEqual(a.str, strconv.FormatFloat(y, 'g', -1, 64))
	case int:
		return a.kind == nodeNumber && numbersEqual(a.str, strconv.Itoa(y))
	case int64:
		return a.kind == nodeNumber && numbersEqual(a.str, strconv.FormatInt(y, 10))
	case []any:
		if a.kind != nodeArray || len(a.kids) != len(y) {
			return false
		}
		for i := range y {
			if !equalsValue(&a.kids[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if a.kind != nodeObject || len(a.kids) != len(y) {
			return false
		}
		for i := range a.kids {
			yv, ok := y[a.kids[i].name]
			if !ok || !equalsValue(&a.kids[i], yv) {
				return false
			}
		}
		return true
	}
	return false
}

// numbersEqual compares two JSON numbers by value.
func numbersEqual(a, b string) bool {
	if a == b {
		return true
	}
	ra, ok1 := new(big.Rat).SetString(a)
	rb, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && ra.Cmp(rb) == 0
}
