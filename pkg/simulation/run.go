package simulation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/delivery"
)

// Sink takes the simulated events: the gateway ([delivery.Client]) or a
// file ([delivery.Lines]).
type Sink interface {
	Publish(ctx context.Context, events []ce.Event) (delivery.Result, error)
}

// RunOptions paces a [Run].
type RunOptions struct {
	// Speed is simulated days per real second: a delivery is sent when
	// its SendAt comes up on a clock that runs that fast from the period's
	// start. 0 sends the whole period as fast as Rate allows.
	Speed float64
	// Rate caps deliveries per second; 0 is no cap.
	Rate float64
	// Count stops after this many deliveries; 0 runs to the period's end.
	Count int
	// BatchSize is the most events per Publish (default 500).
	BatchSize int
	// FlushEvery is the longest an event waits in a part-filled batch
	// while the run is paced (default 250ms).
	FlushEvery time.Duration
	Logger     *slog.Logger
}

// RunStats sums up a run.
type RunStats struct {
	Sent       int           `json:"sent"` // deliveries handed to the sink
	Accepted   int           `json:"accepted"`
	Duplicates int           `json:"duplicates"`
	Rejected   int           `json:"rejected"` // should be 0: every simulated event is valid
	Elapsed    time.Duration `json:"elapsed_ns"`
	Truth      Truth         `json:"truth"` // of the deliveries handed to the sink
}

// Run takes deliveries from g, paced by opts, and publishes them to sink
// in batches. When ctx ends it stops taking deliveries, publishes what
// is batched (with a fresh 30s deadline) and returns nil: stopping a
// simulation is not a failure. A sink error ends the run with that
// error.
func Run(ctx context.Context, g *Generator, sink Sink, opts RunOptions) (RunStats, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 250 * time.Millisecond
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var st RunStats
	start := time.Now()
	simStart := dayOf(g.cfg.Project.Start)
	batch := make([]ce.Event, 0, opts.BatchSize)
	var oldest time.Time // when the first event of the batch was taken

	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		res, err := sink.Publish(ctx, batch)
		st.Accepted += res.Accepted
		st.Duplicates += res.Duplicates
		st.Rejected += res.Rejected
		if res.Rejected > 0 {
			for _, r := range res.Results {
				if r.Status == delivery.StatusRejected {
					logger.Warn("simulated event rejected", "event_id", r.ID, "problems", r.Problems)
					break
				}
			}
		}
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("publish simulated events: %w", err)
		}
		return nil
	}
	finish := func(err error) (RunStats, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err = errors.Join(err, flush(fctx))
		st.Elapsed = time.Since(start)
		st.Truth = g.Truth()
		return st, err
	}

	var prevDue time.Time
	for opts.Count <= 0 || st.Sent < opts.Count {
		if ctx.Err() != nil {
			return finish(nil)
		}
		d, ok := g.peek()
		if !ok {
			break
		}
		due := start
		if opts.Speed > 0 {
			days := d.SendAt.Sub(simStart).Hours() / 24
			due = start.Add(time.Duration(math.Max(0, days/opts.Speed) * float64(time.Second)))
		}
		if opts.Rate > 0 && !prevDue.IsZero() {
			due = later(due, prevDue.Add(time.Duration(float64(time.Second)/opts.Rate)))
		}
		prevDue = due
		if wait := time.Until(due); wait > 2*time.Millisecond {
			if len(batch) > 0 && (wait > opts.FlushEvery || time.Since(oldest) > opts.FlushEvery) {
				if err := flush(ctx); err != nil {
					return finish(err)
				}
			}
			if err := sleep(ctx, wait); err != nil {
				return finish(nil) // d stays unsent and out of the truth
			}
		}
		g.Next() // d: now it counts
		if len(batch) == 0 {
			oldest = time.Now()
		}
		batch = append(batch, d.Event)
		st.Sent++
		if len(batch) >= opts.BatchSize {
			if err := flush(ctx); err != nil {
				return finish(err)
			}
		}
	}
	return finish(nil)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ScaleFor is the scale at which cfg's simulation yields at least n
// deliveries over its period (at least cfg's own scale).
func ScaleFor(cfg Config, n int) (float64, error) {
	base := cfg
	base.Scale = 1
	ds, _, err := Generate(base, 0)
	if err != nil {
		return 0, err
	}
	if len(ds) == 0 {
		return 0, errors.New("the simulation yields no events")
	}
	s := math.Ceil(float64(n)/float64(len(ds))*11) / 10 // 10 % to spare: scaling is not exactly linear
	return math.Max(s, cfg.Scale), nil
}
