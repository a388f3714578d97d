package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxReadBytes bounds what [Validator.ReadEvents] reads: a file for the
// validate command, not a data dump.
const MaxReadBytes = 256 << 20

// element is one value of a JSON array and the line it starts on.
type element struct {
	value json.RawMessage
	line  int
}

// arrayElements splits a JSON array into its elements. The error says
// why the text is not a JSON array, without quoting it.
func arrayElements(b []byte) ([]element, error) {
	if vals, starts, ok := splitArray(b); ok {
		out := make([]element, len(vals))
		var lines lineCounter
		for i, v := range vals {
			out[i] = element{value: v, line: lines.lineAt(b, starts[i])}
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err, b)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("a batch must be a JSON array [...] of events, not %s", jsonKind(tok))
	}
	var out []element
	var lines lineCounter
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
		out = append(out, element{value: v, line: lines.lineAt(b, start)})
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(err, b)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the text goes on after the batch's closing bracket")
	}
	return out, nil
}

// lineCounter turns increasing byte offsets into 1-based line numbers,
// counting each newline once: lineCol from the start of the text for
// every element made a long one-line batch quadratic.
type lineCounter struct {
	off, newlines int
}

func (c *lineCounter) lineAt(b []byte, off int) int {
	off = min(off, len(b))
	if off < c.off { // not increasing: count afresh
		c.off, c.newlines = 0, 0
	}
	c.newlines += bytes.Count(b[c.off:off], []byte{'\n'})
	c.off = off
	return 1 + c.newlines
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ReadEvents reads events for the validate command and checks each one.
// It accepts one event (a JSON object, pretty-printed or not), a JSON
// array of events, several events one after the other (JSON lines, or
// pretty-printed objects in a row), or, when that text is not valid JSON
// throughout, JSON lines read line by line so one broken line does not
// hide the others (blank lines are skipped). Each [Result] carries the event's index and starting line.
// The error is non-nil only when the input cannot be read or split into
// events at all (an array with broken JSON, say).
func (v *Validator) ReadEvents(r io.Reader) ([]Result, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxReadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	if len(b) > MaxReadBytes {
		return nil, fmt.Errorf("read events: input is larger than %d bytes", MaxReadBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark some editors write
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("read events: the input is empty")
	}
	if trimmed[0] == '[' {
		res, err := v.ParseBatch(b)
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		return res, nil
	}
	if res, ok := v.readStream(b); ok {
		return res, nil
	}
	// JSON lines: every non-blank line is one event.
	var out []Result
	for i, ln := range bytes.Split(b, []byte{'\n'}) {
		ln = bytes.TrimSpace(ln)
		if len(ln) == 0 {
			continue
		}
		e, err := v.ParseStructured(ln)
		out = append(out, Result{Index: len(out), Line: i + 1, Event: e, Err: err})
	}
	return out, nil
}

// readStream reads JSON values one after the other; ok is false when the
// text is not a clean sequence of JSON values.
func (v *Validator) readStream(b []byte) ([]Result, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []Result
	var lines lineCounter
	for {
		start := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out, len(out) > 0
			}
			return nil, false
		}
		for start < len(b) && isSpace(b[start]) {
			start++
		}
		line := lines.lineAt(b, start)
		e, err := v.ParseStructured(raw)
		out = append(out, Result{Index: len(out), Line: line, Event: e, Err: err})
	}
}
