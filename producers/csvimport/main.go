// Command csvimport turns a job centre's, school's or fair organiser's
// spreadsheet list (CSV) into sundflow events with a column mapping file,
// and posts them to the ingest gateway. Rows that cannot become valid
// events are listed with their row number, column and rule.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/sundflow/sundflow/pkg/csvimport"
	"github.com/sundflow/sundflow/pkg/delivery"
)

// Config is csvimport's command line.
type Config struct {
	Mapping string `arg:"" help:"Column mapping file (YAML); see pkg/csvimport/testdata and deploy/csvimport for examples." type:"existingfile"`
	File    string `arg:"" help:"CSV file to import; - reads stdin." default:"-"`

	delivery.Flags `embed:""`

	Report    string `help:"Also write the rejected rows as CSV (row, column, field, stage, rule, message) to this file." placeholder:"FILE"`
	Progress  string `help:"Progress bar on stderr: auto (when stderr is a terminal), always or never." enum:"auto,always,never" default:"auto"`
	LogFormat string `help:"Log format on stderr: json or text." enum:"json,text" default:"json"`
	LogLevel  string `help:"Log level: debug, info, warn or error." enum:"debug,info,warn,error" default:"info"`
}

// Validate checks what kong cannot.
func (c *Config) Validate() error {
	if c.Out == "-" && c.File == "-" {
		return errors.New("stdin cannot be both the list and where events go; give the CSV file by name")
	}
	return c.Flags.Validate()
}

func main() {
	var cfg Config
	kong.Parse(&cfg,
		kong.Name("csvimport"),
		kong.Description("Import a spreadsheet list (CSV) as sundflow events through the ingest gateway.\n\n"+
			"Example:\n  SUNDFLOW_TOKEN=... SUNDFLOW_PSEUDONYM_KEY=... csvimport deploy/csvimport/helsingor-fair-signups.yaml signups.csv\n\n"+
			"Exit status: 0 every row stored, 2 some rows rejected (see the report), 1 the import failed."),
		kong.UsageOnError(),
	)
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, logger)
	stop()
	switch {
	case errors.Is(err, csvimport.ErrRowsRejected):
		os.Exit(2)
	case err != nil:
		logger.Error("import failed", "err", err)
		fmt.Fprintln(os.Stderr, "csvimport:", err)
		os.Exit(1)
	}
}

func newLogger(format, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}
