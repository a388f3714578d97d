package projection

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/schollz/progressbar/v3"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
)

// ReplayOptions configure [Replay].
type ReplayOptions struct {
	// Stream to read. Default bus.EventsStream.
	Stream string
	// Database is the live database whose tables are rebuilt.
	Database string
	// BatchSize is the events inserted at once. Default 20000.
	BatchSize int
	// Workers decode and validate in parallel. Default GOMAXPROCS.
	Workers int
	// KeepOld keeps the replaced tables in a database named
	// <Database>_old_<unix time> instead of dropping them.
	KeepOld bool
	// Progress receives a progress bar; nil shows none.
	Progress io.Writer

	JetStream jetstream.JetStream
	Conn      driver.Conn
	Validator *event.Validator
	// Attest, when set, is the gateway's attestation key: events it
	// verifies are decoded without the full check (see pkg/attest).
	Attest attest.Key
	// Metrics may be nil.
	Metrics *Metrics
	Logger  *slog.Logger

	beforeSwap func(context.Context) // tests only
}

// ReplayResult says what [Replay] did.
type ReplayResult struct {
	// LastSeq is the stream's last sequence when the replay started;
	// events up to it were read.
	LastSeq uint64
	// Read events, of which Stored went to the fresh tables; Invalid and
	// Unstorable were skipped (the live projector dead-lettered them).
	Read, Stored, Invalid, Unstorable uint64
	// Distinct is the number of distinct (source, id) stored, which the
	// fresh events table holds exactly (checked).
	Distinct uint64
	// CaughtUp is the rows a live projector had written after LastSeq,
	// copied into the new tables after the swap.
	CaughtUp uint64
	// OldDatabase holds the replaced tables when KeepOld was set.
	OldDatabase string
}

// Replay rebuilds every projection from the stream's first event:
//
//  1. migrate the live database (so its views are current) and a fresh
//     one, <Database>_replay, with the same migrations;
//  2. read the stream from its first sequence up to its last one at
//     start with an ordered (ephemeral) consumer and insert every valid
//     event into the fresh tables, with a progress bar;
//  3. check the counts: the fresh events table holds exactly the distinct
//     (source, id) read, and each typed table the distinct events of its
//     type; on a mismatch stop, leaving the live tables untouched;
//  4. swap the tables in with one RENAME TABLE statement (the views read
//     tables by name, so they now read the new ones);
//  5. copy into the new tables the rows a live projector wrote to the old
//     ones after the replay's last sequence (harmless repeats collapse),
//     then drop the old tables unless KeepOld.
//
// While the RENAME runs (milliseconds) a query may find a table missing;
// a live projector's insert at that moment fails and is retried by it.
func Replay(ctx context.Context, o ReplayOptions) (ReplayResult, error) {
	var res ReplayResult
	if o.Stream == "" {
		o.Stream = bus.EventsStream
	}
	if o.BatchSize == 0 {
		o.BatchSize = 20000
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.JetStream == nil || o.Conn == nil || o.Validator == nil {
		return res, fmt.Errorf("%w: replay needs JetStream, Conn and Validator", ErrConfig)
	}
	live := o.Database
	fresh := live + "_replay"
	for _, db := range []string{live, fresh} {
		if err := store.ValidDatabase(db); err != nil {
			return res, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	log := o.Logger.With("database", live)

	if _, err := store.Migrate(ctx, o.Conn, live); err != nil {
		return res, fmt.Errorf("migrate %s: %w", live, err)
	}
	if err := o.Conn.Exec(ctx, "DROP DATABASE IF EXISTS "+fresh); err != nil {
		return res, fmt.Errorf("drop leftover %s: %w", fresh, err)
	}
	if _, err := store.Migrate(ctx, o.Conn, fresh); err != nil {
		return res, fmt.Errorf("migrate %s: %w", fresh, err)
	}

	stream, err := o.JetStream.Stream(ctx, o.Stream)
	if err != nil {
		return res, fmt.Errorf("look up stream %s: %w", o.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return res, fmt.Errorf("read stream %s info: %w", o.Stream, err)
	}
	res.LastSeq = info.State.LastSeq
	log.Info("replay reading the stream", "stream", o.Stream, "messages", info.State.Msgs,
		"first_seq", info.State.FirstSeq, "last_seq", res.LastSeq, "into", fresh)

	keys, err := replayRead(ctx, o, fresh, info.State.Msgs, &res)
	if err != nil {
		return res, err
	}
	if err := checkCounts(ctx, o.Conn, fresh, keys, &res); err != nil {
		return res, err
	}
	if o.beforeSwap != nil {
		o.beforeSwap(ctx)
	}
	if err := swap(ctx, o, live, fresh, &res); err != nil {
		return res, err
	}
	log.Info("replay done", "read", res.Read, "stored", res.Stored, "distinct", res.Distinct,
		"invalid", res.Invalid, "unstorable", res.Unstorable, "caught_up", res.CaughtUp, "old_database", res.OldDatabase)
	return res, nil
}

// replayRead inserts every valid event up to res.LastSeq into fresh and
// returns the hashed keys stored, by type.
func replayRead(ctx context.Context, o ReplayOptions, fresh string, total uint64, res *ReplayResult) (map[event.Type][]uint64, error) {
	keys := map[event.Type][]uint64{}
	if res.LastSeq == 0 {
		return keys, nil
	}
	var bar *progressbar.ProgressBar
	if o.Progress != nil {
		bar = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("replay "+o.Stream),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("events"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(o.Progress) }),
		)
	}
	cons, err := o.JetStream.OrderedConsumer(ctx, o.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{event.SubjectPrefix + ">"},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("create ordered consumer on %s: %w", o.Stream, err)
	}
	w := store.NewWriter(o.Conn, fresh)
	batches := make([]*store.Batch, o.Workers)
	for i := range batches {
		batches[i] = store.NewBatch()
	}
	h := fnv.New64a()
	var last uint64
	size := o.BatchSize
	for last < res.LastSeq {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("replay stopped at sequence %d of %d: %w", last, res.LastSeq, err)
		}
		mb, err := cons.Fetch(size, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fetch from %s after sequence %d: %w", o.Stream, last, err)
		}
		var msgs, fetched []jetstream.Msg
		for m := range mb.Messages() {
			fetched = append(fetched, m)
			md, err := m.Metadata()
			if err != nil || md.Sequence.Stream > res.LastSeq {
				continue // after the snapshot: the catch-up or the live projector has it
			}
			last = md.Sequence.Stream
			msgs = append(msgs, m)
		}
		if err := mb.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) && len(msgs) == 0 {
			return nil, fmt.Errorf("fetch from %s after sequence %d: %w", o.Stream, last, err)
		}
		size = nextFetchSize(fetched, size, o.BatchSize)
		if len(msgs) == 0 {
			// Nothing up to LastSeq is left (its last messages were
			// removed meanwhile) once the consumer has no more pending.
			ci, err := cons.Info(ctx)
			if err == nil && ci.NumPending == 0 {
				break
			}
			continue
		}
		stored := 0
		for _, r := range (checker{v: o.Validator, key: o.Attest}).decodeAll(msgs, batches) {
			res.Read++
			switch r.kind {
			case KindInvalid:
				res.Invalid++
				continue
			case KindUnstorable:
				res.Unstorable++
				continue
			}
			stored++
			h.Reset()
			h.Write([]byte(r.source))
			h.Write([]byte{0})
			h.Write([]byte(r.id))
			t := event.Type(r.typ)
			keys[t] = append(keys[t], h.Sum64())
		}
		if stored > 0 {
			if err := w.Write(ctx, batches...); err != nil {
				return nil, fmt.Errorf("replay insert into %s: %w", fresh, err)
			}
			res.Stored += uint64(stored)
		}
		for _, b := range batches {
			b.Reset()
		}
		if bar != nil {
			_ = bar.Add(len(msgs))
		}
		if o.Metrics != nil {
			o.Metrics.replayedEvents.Add(float64(len(msgs)))
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return keys, nil
}

func distinct(xs []uint64) uint64 {
	slices.Sort(xs)
	return uint64(len(slices.Compact(xs)))
}

// checkCounts compares what was read with what the fresh tables hold,
// after deduplication.
func checkCounts(ctx context.Context, conn driver.Conn, db string, keys map[event.Type][]uint64, res *ReplayResult) error {
	var all []uint64
	var problems []string
	for _, t := range event.Types {
		all = append(all, keys[t]...) // before distinct, which compacts in place
		want := distinct(keys[t])
		var got uint64
		table := store.TableOf(t)
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+"."+table+" FINAL").Scan(&got); err != nil {
			return fmt.Errorf("count %s.%s: %w", db, table, err)
		}
		if got != want {
			problems = append(problems, fmt.Sprintf("%s holds %d rows, %d distinct %s events were read", table, got, want, t))
		}
	}
	res.Distinct = distinct(all)
	var got uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+"."+store.TableEvents+" FINAL").Scan(&got); err != nil {
		return fmt.Errorf("count %s.%s: %w", db, store.TableEvents, err)
	}
	if got != res.Distinct {
		problems = append(problems, fmt.Sprintf("%s holds %d rows, %d distinct events were read", store.TableEvents, got, res.Distinct))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w in %s (left for inspection, live tables untouched): %s", store.ErrCountMismatch, db, strings.Join(problems, "; "))
	}
	return nil
}

// swap renames the fresh tables in, catches up what a live projector
// wrote meanwhile, and drops or keeps the old tables.
func swap(ctx context.Context, o ReplayOptions, live, fresh string, res *ReplayResult) error {
	old := fmt.Sprintf("%s_old_%d", live, time.Now().Unix())
	if err := store.ValidDatabase(old); err != nil {
		old = "sundflow_old_" + fmt.Sprint(time.Now().Unix())
	}
	if err := o.Conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+old); err != nil {
		return fmt.Errorf("create %s: %w", old, err)
	}
	pairs := make([]string, 0, 2*len(store.Tables))
	for _, t := range store.Tables {
		pairs = append(pairs, live+"."+t+" TO "+old+"."+t, fresh+"."+t+" TO "+live+"."+t)
	}
	if err := o.Conn.Exec(ctx, "RENAME TABLE "+strings.Join(pairs, ", ")); err != nil {
		return fmt.Errorf("swap the rebuilt tables into %s: %w", live, err)
	}
	for _, t := range store.Tables {
		cols, err := columns(ctx, o.Conn, live, t)
		if err != nil {
			return err
		}
		var n uint64
		if err := o.Conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE seq > %d", old, t, res.LastSeq)).Scan(&n); err != nil {
			return fmt.Errorf("count rows to catch up in %s.%s: %w", old, t, err)
		}
		if n == 0 {
			continue
		}
		list := strings.Join(cols, ", ")
		q := fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM %s.%s WHERE seq > %d", live, t, list, list, old, t, res.LastSeq)
		if err := o.Conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("catch up %s.%s from %s: %w", live, t, old, err)
		}
		if t == store.TableEvents {
			res.CaughtUp = n
		}
	}
	if o.KeepOld {
		res.OldDatabase = old
	} else if err := o.Conn.Exec(ctx, "DROP DATABASE IF EXISTS "+old); err != nil {
		return fmt.Errorf("drop the replaced tables in %s: %w", old, err)
	}
	if err := o.Conn.Exec(ctx, "DROP DATABASE IF EXISTS "+fresh); err != nil {
		return fmt.Errorf("drop %s: %w", fresh, err)
	}
	return nil
}

func columns(ctx context.Context, conn driver.Conn, db, table string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", db, table)
	if err != nil {
		return nil, fmt.Errorf("list columns of %s.%s: %w", db, table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("list columns of %s.%s: %w", db, table, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list columns of %s.%s: %w", db, table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("list columns of %s.%s: no such table", db, table)
	}
	return cols, nil
}
