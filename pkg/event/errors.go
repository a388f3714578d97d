package event

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every [*InvalidError]: the event
// breaks the contract and resending it unchanged will fail again.
var ErrInvalid = errors.New("invalid event")

// Problem is one thing wrong with an event.
type Problem struct {
	// Path is a JSON path into the event in structured form, e.g. $.time
	// or $.data.person.residence.country. Binary-mode attributes use the
	// same paths ($.id), so one message fits every binding.
	Path string `json:"path"`
	// Rule names the broken rule for machines, e.g. required, pattern,
	// refcode.dk-municipality, placement.cross-border, privacy.cpr.
	Rule string `json:"rule"`
	// Message tells a source system's developer what is wrong and how to
	// fix it. It never echoes a rejected value.
	Message string `json:"message"`
}

// String renders the problem on one line: path: message (rule).
func (p Problem) String() string {
	return p.Path + ": " + p.Message + " (" + p.Rule + ")"
}

// InvalidError lists every problem found in one event, in a stable order:
// envelope, data schema, reference codes and cross-field rules, privacy.
type InvalidError struct{ Problems []Problem }

// Error lists the problems. It is safe to log: no message echoes a value.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("invalid event: ")
	b.WriteString(strconv.Itoa(len(e.Problems)))
	if len(e.Problems) == 1 {
		b.WriteString(" problem: ")
	} else {
		b.WriteString(" problems: ")
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// ProblemsOf returns the problems of an error that wraps an
// [*InvalidError], or nil.
func ProblemsOf(err error) []Problem {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Problems
	}
	return nil
}
