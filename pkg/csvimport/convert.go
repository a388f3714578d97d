package csvimport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rules a row can break before the contract is even checked; the
// validator's rules (required, pattern, enum, refcode.*, privacy.*) come
// on top.
const (
	RuleValueMap   = "value-map"   // the cell is not one of the mapping's labels
	RuleDateFormat = "date-format" // the cell is not a date in the mapping's format
	RuleInteger    = "integer"
	RuleNumber     = "number"
	RuleBoolean    = "boolean"
	RuleEncoding   = "encoding"  // the row is not valid text in the file's encoding
	RuleNationalID = "pseudonym" // the national-id cell is empty
)

// cellProblem is a rule broken by one cell; the message never contains
// the cell's value.
type cellProblem struct {
	Rule    string
	Message string
}

// value is the field's value for a row whose cell is cell: ok is false
// when the field is left out (empty cell, no default).
func (f *field) value(cell string, loc *time.Location) (v any, ok bool, p *cellProblem) {
	if f.cnst != nil {
		return f.cnst, true, nil
	}
	cell = strings.TrimSpace(cell)
	if cell == "" {
		if f.spec.Default == "" {
			return nil, false, nil
		}
		v, p := f.convert(f.spec.Default, loc)
		return v, p == nil, p
	}
	if f.mapping != nil {
		mapped, found := f.mapping[normValue(cell)]
		switch {
		case found:
			cell = mapped
		case f.spec.Other != "":
			cell = f.spec.Other
		default:
			return nil, false, &cellProblem{Rule: RuleValueMap, Message: "value is not one of the mapped labels: " + f.labels()}
		}
	}
	v, p = f.convert(cell, loc)
	return v, p == nil, p
}

// labels lists the map's labels for a message, sorted.
func (f *field) labels() string {
	out := make([]string, 0, len(f.spec.Map))
	for l := range f.spec.Map {
		out = append(out, strconv.Quote(l))
	}
	slices.Sort(out)
	if len(out) > 12 {
		out = append(out[:12], "...")
	}
	return strings.Join(out, ", ")
}

// convert turns a (mapped) text into the field's JSON value.
func (f *field) convert(s string, loc *time.Location) (any, *cellProblem) {
	s = strings.TrimSpace(s)
	switch f.kind {
	case kindDate:
		t, err := parseTime(s, f.layouts, loc)
		if err != nil {
			return nil, &cellProblem{Rule: RuleDateFormat, Message: "not a date in the form " + strings.Join(f.layouts, " or ")}
		}
		return t.Format(time.DateOnly), nil
	case kindInt:
		n, err := strconv.Atoi(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			return nil, &cellProblem{Rule: RuleInteger, Message: "not a whole number"}
		}
		return n, nil
	case kindNumber:
		t := strings.ReplaceAll(s, " ", "")
		if !strings.Contains(t, ".") {
			t = strings.Replace(t, ",", ".", 1) // 12,5 in Danish and Swedish lists
		}
		n, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, &cellProblem{Rule: RuleNumber, Message: "not a number (use 12.5 or 12,5)"}
		}
		return n, nil
	case kindBool:
		switch strings.ToLower(s) {
		case "true", "yes", "ja", "j", "y", "1", "x":
			return true, nil
		case "false", "no", "nej", "n", "0":
			return false, nil
		}
		return nil, &cellProblem{Rule: RuleBoolean, Message: "not yes/no (ja/nej, true/false, 1/0)"}
	case kindList:
		sep := f.spec.Split
		if sep == "" {
			sep = ","
		}
		var out []string
		for item := range strings.SplitSeq(s, sep) {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		return out, nil
	}
	return s, nil
}

// constValue converts a mapping's const to the field's JSON value.
func (f *field) constValue(c any, loc *time.Location) (any, error) {
	switch v := c.(type) {
	case []any:
		if f.kind != kindList {
			return nil, fmt.Errorf("a list, but the field is %s", f.kind)
		}
		out := make([]string, 0, len(v))
		for _, item := range v {
			out = append(out, fmt.Sprint(item))
		}
		return out, nil
	case time.Time:
		c = v.Format(time.DateOnly)
	case map[string]any:
		return nil, fmt.Errorf("an object; map its fields one by one")
	}
	out, p := f.convert(fmt.Sprint(c), loc)
	if p != nil {
		return nil, fmt.Errorf("%s", p.Message)
	}
	return out, nil
}

func parseTime(s string, layouts []string, loc *time.Location) (time.Time, error) {
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}
