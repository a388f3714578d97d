package delivery

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
)

// Lines writes events as JSON lines (one structured CloudEvent per line)
// instead of posting them: a producer's --out FILE or --dry-run. The
// gateway's `ingest validate` and a later post read the same format.
type Lines struct {
	mu sync.Mutex
	w  *bufio.Writer
}

// NewLines writes to w; call [Lines.Flush] before closing w.
func NewLines(w io.Writer) *Lines { return &Lines{w: bufio.NewWriterSize(w, 64<<10)} }

// Publish writes each event on a line of its own and reports every event
// accepted: the file took it. Duplicates are written as they come, so a
// file replays exactly what a gateway would have been sent.
func (l *Lines) Publish(ctx context.Context, events []ce.Event) (Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := Result{Results: make([]EventResult, 0, len(events))}
	for i := range events {
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("write events: %w", err)
		}
		b, err := event.Encode(events[i])
		if err != nil {
			return r, fmt.Errorf("encode event %d (id %q): %w", i, events[i].ID(), err)
		}
		b = append(b, '\n')
		if _, err := l.w.Write(b); err != nil {
			return r, fmt.Errorf("write event %d: %w", i, err)
		}
		r.Accepted++
		r.Results = append(r.Results, EventResult{Index: i, ID: events[i].ID(), Source: events[i].Source(), Status: StatusAccepted})
	}
	return r, nil
}

// Flush writes out what is buffered.
func (l *Lines) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("flush events: %w", err)
	}
	return nil
}
