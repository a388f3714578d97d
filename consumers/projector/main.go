// Command projector moves every event from the SUNDFLOW_EVENTS stream into
// ClickHouse, exactly once in the figures (see pkg/projection and
// pkg/store). `projector migrate` applies the schema; `projector replay`
// rebuilds every table from the stream.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

type cli struct {
	Run     runCmd     `cmd:"" default:"withargs" help:"Project events from JetStream into ClickHouse until stopped (the default)."`
	Migrate migrateCmd `cmd:"" help:"Apply the ClickHouse migrations to --database and exit (run also applies them at start)."`
	Replay  replayCmd  `cmd:"" help:"Rebuild every table from the stream's first event into fresh tables, check the counts and swap them in."`
}

func main() {
	var c cli
	kctx := kong.Parse(&c,
		kong.Name("projector"),
		kong.Description("sundflow projector: CloudEvents from NATS JetStream into ClickHouse, counted once however often they arrive."),
		kong.UsageOnError(),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	kctx.FatalIfErrorf(kctx.Run())
}
