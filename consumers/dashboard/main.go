// Command dashboard serves sundflow's project dashboard: every project's
// targets with value, pace, forecast and status, breakdowns, the funnel,
// vacancies and the Øresund balance in English, Danish and Swedish, a
// JSON API behind every page and Prometheus metrics, all read from the
// projector's ClickHouse views. `dashboard check` validates target files.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

type cli struct {
	Serve serveCmd `cmd:"" default:"withargs" help:"Serve the dashboard (the default)."`
	Check checkCmd `cmd:"" help:"Load the target files, report every mistake with file and line, and list the projects; exits 1 on any mistake."`
}

func main() {
	var c cli
	kctx := kong.Parse(&c,
		kong.Name("dashboard"),
		kong.Description("sundflow dashboard: project targets, pace and forecasts from ClickHouse, for project managers and Prometheus."),
		kong.UsageOnError(),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	kctx.FatalIfErrorf(kctx.Run())
}
