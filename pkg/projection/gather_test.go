package projection

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The gather stage joins full batches (a backlog) into one insert, in
// order, never beyond InsertMaxEvents, passes a batch that is not full
// (caught up) on at once, and a lone full batch after BatchWait.
func TestGatherJoinsABacklog(t *testing.T) {
	cfg := Config{BatchSize: 10, InsertMaxEvents: 25, BatchWait: 500 * time.Millisecond, AckWait: time.Hour}
	cfg.setDefaults()
	p := &Projector{cfg: cfg}
	batch := func(first, n int) fetched {
		f := fetched{msgs: make([]jetstream.Msg, n), results: make([]decoded, n), touched: time.Now()}
		for i := range f.results {
			f.results[i].id = string(rune('a' + first + i))
		}
		return f
	}
	ids := func(f fetched) string {
		var s string
		for _, r := range f.results {
			s += r.id
		}
		return s
	}
	in, out := make(chan fetched), make(chan fetched)
	go p.gatherLoop(in, out)

	// Caught up (a batch that is not full): it goes on at once.
	in <- batch(0, 4)
	if got := ids(<-out); got != "abcd" {
		t.Fatalf("first insert %q, want the partial batch alone", got)
	}
	// A backlog (full batches): joined up to 25 events; the third would
	// pass 25, so it waits for the next insert, which a partial batch
	// completes at once.
	in <- batch(0, 10)
	in <- batch(10, 10)
	third := make(chan struct{})
	go func() { in <- batch(20, 10); close(third) }()
	if got, want := ids(<-out), "abcdefghijklmnopqrst"; got != want {
		t.Fatalf("joined insert %q, want %q", got, want)
	}
	<-third
	in <- batch(30, 2)
	if got, want := ids(<-out), "uvwxyz{|}~\u007f\u0080"; got != want {
		t.Fatalf("last insert %q, want %q", got, want)
	}
	// A full batch alone goes after BatchWait.
	in <- batch(0, 10)
	if got := ids(<-out); got != "abcdefghij" {
		t.Fatalf("waited insert %q, want the full batch", got)
	}
	close(in)
	if _, ok := <-out; ok {
		t.Fatal("out not closed after in")
	}
}
