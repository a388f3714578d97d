package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
)

// replayCmd rebuilds the projection from the stream.
type replayCmd struct {
	Config `embed:""`

	BatchSize int  `name:"batch-size" default:"20000" env:"PROJECTOR_REPLAY_BATCH_SIZE" help:"Events inserted at once."`
	KeepOld   bool `name:"keep-old" env:"PROJECTOR_REPLAY_KEEP_OLD" help:"Keep the replaced tables in <database>_old_<unix time> instead of dropping them."`
	NoBar     bool `name:"no-progress" help:"Show no progress bar (logs only)."`
}

func (c *replayCmd) Run(ctx context.Context) error {
	log := newLogger(c.LogFormat, c.LogLevel)
	d, err := open(ctx, c.Config, log, true)
	if err != nil {
		log.Error("projector replay failed", "err", err)
		return err
	}
	defer d.close(log)
	v, err := event.NewValidator()
	if err != nil {
		return err
	}
	key, err := c.attestKey()
	if err != nil {
		return err
	}
	o := projection.ReplayOptions{
		Stream: c.Stream, Database: c.Database, BatchSize: c.BatchSize, KeepOld: c.KeepOld,
		JetStream: d.js, Conn: d.ch, Validator: v, Attest: key, Logger: log,
	}
	if !c.NoBar {
		o.Progress = os.Stderr
	}
	res, err := projection.Replay(ctx, o)
	if err != nil {
		log.Error("projector replay failed; the live tables are unchanged unless the swap was reached", "err", err)
		return err
	}
	fmt.Printf("replayed %s up to sequence %d: %d events read, %d stored (%d distinct), %d invalid, %d unstorable skipped; %d rows caught up after the swap\n",
		c.Stream, res.LastSeq, res.Read, res.Stored, res.Distinct, res.Invalid, res.Unstorable, res.CaughtUp)
	if res.OldDatabase != "" {
		fmt.Printf("replaced tables kept in %s (DROP DATABASE %s when no longer needed)\n", res.OldDatabase, res.OldDatabase)
	}
	return nil
}
