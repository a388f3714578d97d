// Command run is `make run`: the whole sundflow pipeline on this machine,
// for trying it out and for demos. It installs ClickHouse from Debian's
// packages if it is missing (deploy/local/deps.sh), builds the programs,
// starts ClickHouse (data under ./var/clickhouse), the ingest gateway
// with its embedded JetStream (store ./var/nats), the projector and the
// dashboard, feeds them the simulated Job på Tværs sources, prints where
// everything is, and on Ctrl-C stops it all in order. Running it again
// keeps the data; the simulation's event ids are deterministic, so
// feeding it again stores nothing twice.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

func main() {
	var cfg Config
	kong.Parse(&cfg,
		kong.Name("run"),
		kong.Description("Run the whole sundflow pipeline locally: ClickHouse, the ingest gateway with embedded JetStream, "+
			"the projector, the dashboard and simulated Job på Tværs sources. Ctrl-C stops everything in order; "+
			"the data stays under --var-dir for the next run.\n\n"+
			"Examples:\n"+
			"  make run                                   # everything on the default ports\n"+
			"  go run ./deploy/local/run --gateway-listen 127.0.0.1:18080 --dashboard-listen 127.0.0.1:18090\n"+
			"  RUN_SIMULATE=false make run                # no simulated sources, post your own events\n"+
			"  go run ./deploy/local/run --sim-speed 0     # send the whole simulated period at once"),
		kong.UsageOnError(),
	)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, log, os.Stdout)
	stop()
	if err != nil {
		log.Error("run failed", "err", err)
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}
