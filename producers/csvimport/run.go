package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sundflow/sundflow/pkg/csvimport"
	"github.com/sundflow/sundflow/pkg/event"
)

func run(ctx context.Context, cfg Config, logger *slog.Logger) (err error) {
	m, err := csvimport.LoadMapping(cfg.Mapping)
	if err != nil {
		return err
	}
	v, err := event.NewValidator()
	if err != nil {
		return fmt.Errorf("load the event contract: %w", err)
	}
	im, err := csvimport.NewImporter(m, v, csvimport.Options{BatchSize: cfg.BatchSize})
	if err != nil {
		return err
	}

	var src io.Reader = os.Stdin
	size := int64(-1)
	if cfg.File != "-" {
		f, err := os.Open(cfg.File)
		if err != nil {
			return fmt.Errorf("open list: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		src = f
	}
	if showProgress(cfg.Progress) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
		r := progressbar.NewReader(src, bar)
		src = &r
		defer func() { _ = bar.Finish() }()
	}

	target, err := cfg.Flags.Open(os.Stdout, logger, nil)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, target.Close()) }()

	logger.Info("import started", "mapping", cfg.Mapping, "file", cfg.File, "event_type", string(m.Type), "to", target.Describe())
	rep, runErr := im.Run(ctx, src, target)
	if rep == nil {
		return runErr
	}
	rep.Written = target.Client == nil
	// The report is the command's answer: stdout, unless events go there.
	out := io.Writer(os.Stdout)
	if cfg.Out == "-" {
		out = os.Stderr
	}
	if err := rep.WriteText(out); err != nil {
		return err
	}
	if cfg.Report != "" {
		if err := writeCSVReport(cfg.Report, rep); err != nil {
			return err
		}
	}
	logger.Info("import finished", "rows", rep.Rows, "events", rep.Events, "accepted", rep.Accepted,
		"duplicates", rep.Duplicates, "rejected_rows", rep.Rejected, "repeated_rows", len(rep.Repeats))
	return runErr
}

func showProgress(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return term.IsTerminal(int(os.Stderr.Fd()))
}

func writeCSVReport(path string, rep *csvimport.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	if err := rep.WriteCSV(f, ';'); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close report: %w", err)
	}
	return nil
}
