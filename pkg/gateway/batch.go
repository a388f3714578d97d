package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/sundflow/sundflow/pkg/event"
)

// splitBatch splits a batch body (a JSON array) into its elements
// without decoding them, so the length limit is checked before any
// validation work. The error never quotes the body.
//
// The gateway splits batches itself rather than calling
// event.Validator.ParseBatch, whose per-element line numbers (wanted by
// the validate command, not by HTTP answers, which give the index) cost
// time quadratic in the body's length when the batch is on one line.
//
// event.BatchElements splits a valid batch in one pass; encoding/json's
// decoder, which is several times slower, only says what is wrong with
// a body that is not one.
func splitBatch(b []byte) ([]json.RawMessage, error) {
	if elems, ok := event.BatchElements(b); ok {
		return elems, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, batchSyntax(err, dec)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("a batch must be a JSON array [...] of events")
	}
	var out []json.RawMessage
	for dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, batchSyntax(err, dec)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, batchSyntax(err, dec)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body goes on after the batch's closing bracket")
	}
	return out, nil
}

func batchSyntax(err error, dec *json.Decoder) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("not valid JSON: syntax error at byte %d", se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("not valid JSON: the body ends before the batch is complete")
	}
	return fmt.Errorf("not valid JSON near byte %d", dec.InputOffset())
}

// parallelFrom is the batch length from which validation is spread over
// the CPUs: a producer posting one batch after the other then still gets
// every core.
const parallelFrom = 64

// validateBatch checks and encodes every element; items[i] answers
// elems[i].
func (g *Gateway) validateBatch(elems []json.RawMessage) []item {
	items := make([]item, len(elems))
	one := func(i int) {
		items[i] = g.prepare(g.v.ParseStructured(elems[i]))
	}
	workers := runtime.GOMAXPROCS(0)
	if len(elems) < parallelFrom || workers == 1 {
		for i := range elems {
			one(i)
		}
		return items
	}
	chunk := (len(elems) + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < len(elems); start += chunk {
		end := min(start+chunk, len(elems))
		wg.Go(func() {
			for i := start; i < end; i++ {
				one(i)
			}
		})
	}
	wg.Wait()
	return items
}
