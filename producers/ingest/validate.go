package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sundflow/sundflow/pkg/event"
)

// validateCmd checks events offline against the same contract the
// gateway enforces: the tool a source system's developer runs before
// connecting. It prints a verdict per event and fails unless all are
// valid.
type validateCmd struct {
	File   string `arg:"" optional:"" default:"-" help:"File holding one event, a JSON array of events, or JSON lines (one event per line). - (the default) reads standard input."`
	Format string `enum:"text,json" default:"text" help:"Output format: text (one verdict per event, for people) or json (one document, for scripts and CI)."`
}

// errNotAllValid is returned when at least one event is invalid, so the
// program exits non-zero.
var errNotAllValid = errors.New("not all events are valid")

func (c *validateCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdin, os.Stdout)
}

// verdict is one event's outcome as the json format prints it.
type verdict struct {
	Index    int             `json:"index"`
	Line     int             `json:"line"`
	Type     string          `json:"type,omitempty"`
	ID       string          `json:"id,omitempty"`
	Valid    bool            `json:"valid"`
	Problems []event.Problem `json:"problems,omitempty"`
}

type summary struct {
	Events  int `json:"events"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

func (c *validateCmd) run(ctx context.Context, stdin io.Reader, out io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := c.File
	in := stdin
	if name == "" || name == "-" {
		name = "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open events file: %w", err)
		}
		defer f.Close()
		in = f
	}
	v, err := event.NewValidator()
	if err != nil {
		return fmt.Errorf("load the contract: %w", err)
	}
	results, err := v.ReadEvents(in)
	if err != nil {
		if ps := event.ProblemsOf(err); len(ps) > 0 {
			return fmt.Errorf("read %s: %s", name, ps[0].Message)
		}
		return fmt.Errorf("read %s: %w", name, err)
	}

	verdicts := make([]verdict, len(results))
	var sum summary
	for i, r := range results {
		vd := verdict{Index: r.Index, Line: r.Line, Valid: r.Err == nil}
		if r.Event.Context != nil {
			vd.Type, vd.ID = r.Event.Type(), r.Event.ID()
		}
		if r.Err != nil {
			vd.Problems = event.ProblemsOf(r.Err)
			if len(vd.Problems) == 0 {
				vd.Problems = []event.Problem{{Path: "$", Rule: "error", Message: r.Err.Error()}}
			}
			sum.Invalid++
		} else {
			sum.Valid++
		}
		sum.Events++
		verdicts[i] = vd
	}

	switch c.Format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Events  []verdict `json:"events"`
			Summary summary   `json:"summary"`
		}{verdicts, sum}); err != nil {
			return fmt.Errorf("write verdicts: %w", err)
		}
	default:
		if err := writeText(out, verdicts, sum); err != nil {
			return fmt.Errorf("write verdicts: %w", err)
		}
	}
	if sum.Invalid > 0 {
		return fmt.Errorf("%s: %d of %d events invalid: %w", name, sum.Invalid, sum.Events, errNotAllValid)
	}
	return nil
}

func writeText(w io.Writer, verdicts []verdict, sum summary) error {
	var b strings.Builder
	for _, vd := range verdicts {
		fmt.Fprintf(&b, "event %d (line %d)", vd.Index+1, vd.Line)
		if vd.Type != "" {
			fmt.Fprintf(&b, " %s", vd.Type)
		}
		if vd.ID != "" {
			fmt.Fprintf(&b, " id %q", vd.ID)
		}
		if vd.Valid {
			b.WriteString(": valid\n")
			continue
		}
		fmt.Fprintf(&b, ": INVALID, %d problem%s\n", len(vd.Problems), validatePlural(len(vd.Problems)))
		for _, p := range vd.Problems {
			fmt.Fprintf(&b, "  %s [%s] %s\n", p.Path, p.Rule, p.Message)
		}
	}
	fmt.Fprintf(&b, "%d event%s: %d valid, %d invalid\n", sum.Events, validatePlural(sum.Events), sum.Valid, sum.Invalid)
	_, err := io.WriteString(w, b.String())
	return err
}

func validatePlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
