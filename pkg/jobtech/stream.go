package jobtech

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
)

// Sink takes the events: the gateway ([delivery.Client]) or a file
// ([delivery.Lines]).
type Sink interface {
	Publish(ctx context.Context, events []ce.Event) (delivery.Result, error)
}

// ErrStream is matched by errors that stop reading a stream: it is not
// JSON, or not an array (or sequence) of ads.
var ErrStream = errors.New("unreadable JobStream input")

// Stats counts what became of a stream's ads.
type Stats struct {
	Ads            int            `json:"ads"`
	Published      int            `json:"published"`
	Closed         int            `json:"closed"`
	ClosedByReason map[string]int `json:"closed_by_reason"`
	Skipped        map[string]int `json:"skipped"` // by Skip* reason
	Notes          map[string]int `json:"notes"`   // by Note* value
	Accepted       int            `json:"accepted"`
	Duplicates     int            `json:"duplicates"`
	Rejected       int            `json:"rejected"` // by the gateway
}

// SkippedTotal is the number of ads that became no event.
func (s Stats) SkippedTotal() int {
	n := 0
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

// String renders the counts on one line, reasons sorted.
func (s Stats) String() string {
	return fmt.Sprintf("%d ads: %d published, %d closed %s, %d skipped %s; notes %s; sent: %d accepted, %d duplicates, %d rejected",
		s.Ads, s.Published, s.Closed, counts(s.ClosedByReason), s.SkippedTotal(), counts(s.Skipped), counts(s.Notes),
		s.Accepted, s.Duplicates, s.Rejected)
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// Reader converts a stream of ads into events and publishes them.
type Reader struct {
	Converter *Converter
	Validator *event.Validator
	// BatchSize is how many events are published at once (default 500).
	BatchSize int
	Logger    *slog.Logger
}

// Run reads a JobStream answer (a JSON array of ads; a sequence of ad
// objects, e.g. JSON lines, is read too) from r one ad at a time and
// publishes an event per usable ad. It returns the counts so far and the
// first error that stopped it: a stream that is not JSON ([ErrStream]), or
// the sink's error.
func (rd *Reader) Run(ctx context.Context, r io.Reader, sink Sink) (Stats, error) {
	st := Stats{ClosedByReason: map[string]int{}, Skipped: map[string]int{}, Notes: map[string]int{}}
	logger := rd.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	size := rd.BatchSize
	if size <= 0 {
		size = 500
	}
	batch := make([]ce.Event, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := sink.Publish(ctx, batch)
		st.Accepted += res.Accepted
		st.Duplicates += res.Duplicates
		st.Rejected += res.Rejected
		for _, er := range res.Results {
			if er.Status == delivery.StatusRejected {
				logger.Warn("gateway rejected a vacancy event", "event_id", er.ID, "problems", er.Problems)
			}
		}
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("publish vacancy events: %w", err)
		}
		return nil
	}

	br := bufio.NewReaderSize(r, 256<<10)
	dec := json.NewDecoder(br)
	dec.UseNumber()
	array, err := openStream(br, dec)
	if err != nil {
		return st, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("read ads: %w", err)
		}
		if array && !dec.More() {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if !array && errors.Is(err, io.EOF) {
				break
			}
			// Publish what was read: a cut-off stream should not cost the
			// ads before the cut (a re-run sends them again, deduplicated).
			return st, errors.Join(fmt.Errorf("%w: ad %d: %w", ErrStream, st.Ads+1, err), flush())
		}
		st.Ads++
		out := rd.convert(raw)
		for _, n := range out.Notes {
			st.Notes[n]++
		}
		if out.Skip != "" {
			st.Skipped[out.Skip]++
			continue
		}
		if out.Event.Type() == string(event.VacancyClosed) {
			st.Closed++
			st.ClosedByReason[out.Reason]++
		} else {
			st.Published++
		}
		batch = append(batch, out.Event)
		if len(batch) >= size {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if array {
		if _, err := dec.Token(); err != nil { // the closing ]
			return st, errors.Join(fmt.Errorf("%w: after ad %d: %w", ErrStream, st.Ads, err), flush())
		}
	}
	return st, flush()
}

// openStream reads up to the first ad: past the [ of an array, or not at
// all for a sequence of objects.
func openStream(br *bufio.Reader, dec *json.Decoder) (array bool, err error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return false, fmt.Errorf("%w: the input is empty", ErrStream)
			}
			return false, fmt.Errorf("read ads: %w", err)
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			continue
		case '[':
			if _, err := dec.Token(); err != nil {
				return false, fmt.Errorf("%w: %w", ErrStream, err)
			}
			return true, nil
		case '{':
			return false, nil
		}
		return false, fmt.Errorf("%w: expected a JSON array of ads", ErrStream)
	}
}

// convert decodes and converts one ad and validates its event.
func (rd *Reader) convert(raw json.RawMessage) Outcome {
	var ad Ad
	if err := json.Unmarshal(raw, &ad); err != nil {
		return Outcome{Skip: SkipMalformed}
	}
	out := rd.Converter.Convert(ad)
	if out.Skip != "" {
		return out
	}
	if err := rd.Validator.Validate(out.Event); err != nil {
		if rd.Logger != nil {
			rd.Logger.Debug("vacancy event breaks the contract", "event_id", out.Event.ID(), "err", err)
		}
		return Outcome{Skip: SkipInvalid, Notes: out.Notes}
	}
	return out
}
