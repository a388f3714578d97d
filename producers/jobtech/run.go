package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/jobtech"
)

func run(ctx context.Context, cfg Config, logger *slog.Logger) (err error) {
	v, err := event.NewValidator()
	if err != nil {
		return fmt.Errorf("load the event contract: %w", err)
	}
	var src io.Reader
	switch {
	case cfg.URL != "":
		body, err := jobtech.Fetch(ctx, &http.Client{}, cfg.URL, cfg.since, cfg.APIKey)
		if err != nil {
			return err
		}
		defer body.Close()
		src = body
	case cfg.File == "-":
		src = os.Stdin
	default:
		f, err := os.Open(cfg.File)
		if err != nil {
			return fmt.Errorf("open ads: %w", err)
		}
		defer f.Close()
		src = f
	}
	target, err := cfg.Flags.Open(os.Stdout, logger, nil)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, target.Close()) }()

	rd := &jobtech.Reader{
		Converter: &jobtech.Converter{
			Source:         cfg.Source,
			Projects:       cfg.Project,
			Lan:            cfg.Lan,
			Municipalities: cfg.Municipality,
			UnknownReason:  cfg.UnknownReason,
		},
		Validator: v,
		BatchSize: cfg.BatchSize,
		Logger:    logger,
	}
	logger.Info("reading ads", "to", target.Describe())
	st, runErr := rd.Run(ctx, src, target)
	out := io.Writer(os.Stdout)
	if cfg.Out == "-" {
		out = os.Stderr
	}
	fmt.Fprintln(out, st.String())
	logger.Info("ads read", "ads", st.Ads, "published", st.Published, "closed", st.Closed,
		"skipped", st.SkippedTotal(), "accepted", st.Accepted, "duplicates", st.Duplicates, "rejected", st.Rejected)
	if runErr == nil && st.Rejected > 0 {
		runErr = fmt.Errorf("the gateway rejected %d vacancy events (see the warnings above)", st.Rejected)
	}
	return runErr
}
