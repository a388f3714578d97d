// Command ingest is sundflow's front door: source systems post CloudEvents
// to it and it stores each accepted event in NATS JetStream. `ingest
// validate` checks events offline against the same contract.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

type cli struct {
	Serve     serveCmd     `cmd:"" default:"withargs" help:"Run the HTTP gateway (the default)."`
	Validate  validateCmd  `cmd:"" help:"Check events in a file (one event, a JSON array, or JSON lines) against the contract; exits 0 only if all are valid."`
	HashToken hashTokenCmd `cmd:"" name:"hash-token" help:"Print the token_sha256 of a token read from stdin (or --generate a new token) for the tokens file."`
}

func main() {
	var c cli
	kctx := kong.Parse(&c,
		kong.Name("ingest"),
		kong.Description("sundflow ingest gateway: CloudEvents over HTTP into NATS JetStream."),
		kong.UsageOnError(),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	kctx.FatalIfErrorf(kctx.Run())
}
