package event

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compilePattern is the schema compiler's regular expression engine. It
// compiles every pattern with the regexp package, as the compiler does
// by default, and for the shape nearly every pattern of the contract
// has, character classes with counts from ^ to $ (^[0-9]{1,4}$,
// ^[A-Za-z0-9][A-Za-z0-9._:/-]*$), matches with a plain loop over the
// runes instead of the regexp machine, which took a tenth of the time
// of validating an event. Any other pattern is matched by regexp.
// FuzzPattern checks both agree.
func compilePattern(p string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if steps, ok := classSteps(p); ok {
		return &classPattern{Regexp: re, steps: steps}, nil
	}
	return re, nil
}

// classPattern matches a whole string against a sequence of steps.
// String (the pattern's text, which messages quote) is the regexp's.
type classPattern struct {
	*regexp.Regexp
	steps []classStep
}

// classStep is a character class (sorted, non-overlapping rune ranges
// lo, hi, lo, hi...) taken at least min and at most max times (max -1:
// no bound).
type classStep struct {
	ranges   []rune
	min, max int
}

// classSteps recognises ^step...step$ where every step but the last has
// a fixed count. Taking each step greedily then matches exactly what
// the regexp matches: a fixed step has one way to match, and the last
// one must reach the end.
func classSteps(p string) ([]classStep, bool) {
	re, err := syntax.Parse(p, syntax.Perl) // as regexp.Compile parses
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 3 {
		return nil, false
	}
	first, last := re.Sub[0], re.Sub[len(re.Sub)-1]
	if first.Op != syntax.OpBeginText || last.Op != syntax.OpEndText {
		return nil, false
	}
	var steps []classStep
	for _, sub := range re.Sub[1 : len(re.Sub)-1] {
		min, max := 1, 1
		switch sub.Op {
		case syntax.OpRepeat:
			min, max = sub.Min, sub.Max
			sub = sub.Sub[0]
		case syntax.OpStar:
			min, max = 0, -1
			sub = sub.Sub[0]
		case syntax.OpPlus:
			min, max = 1, -1
			sub = sub.Sub[0]
		case syntax.OpQuest:
			min, max = 0, 1
			sub = sub.Sub[0]
		}
		switch {
		case sub.Op == syntax.OpCharClass:
			steps = append(steps, classStep{ranges: sub.Rune, min: min, max: max})
		case sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 && (len(sub.Rune) == 1 || (min == 1 && max == 1)):
			for _, r := range sub.Rune {
				steps = append(steps, classStep{ranges: []rune{r, r}, min: min, max: max})
			}
		default:
			return nil, false
		}
	}
	for _, st := range steps[:len(steps)-1] {
		if st.min != st.max {
			return nil, false
		}
	}
	return steps, len(steps) > 0
}

// MatchString reports whether all of s matches the steps. Runes are
// decoded as the regexp package decodes them (an invalid byte is
// U+FFFD).
func (p *classPattern) MatchString(s string) bool {
	i := 0
	for _, st := range p.steps {
		n := 0
		for (st.max < 0 || n < st.max) && i < len(s) {
			r, size := rune(s[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
			if !inRanges(st.ranges, r) {
				break
			}
			i += size
			n++
		}
		if n < st.min {
			return false
		}
	}
	return i == len(s)
}

func inRanges(ranges []rune, r rune) bool {
	for j := 0; j+1 < len(ranges); j += 2 {
		if ranges[j] <= r && r <= ranges[j+1] {
			return true
		}
	}
	return false
}
