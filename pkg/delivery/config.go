package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"
)

// Flags are the command-line settings every producer shares for where its
// events go; a producer's Config embeds them (kong `embed:""`).
type Flags struct {
	Gateway   string        `help:"Base URL of the ingest gateway; events are posted to URL/v1/events." default:"http://127.0.0.1:8080" env:"SUNDFLOW_GATEWAY"`
	Token     string        `help:"Bearer token for the gateway (prefer SUNDFLOW_TOKEN or --token-file: flags show in ps)." env:"SUNDFLOW_TOKEN"`
	TokenFile string        `help:"File holding the bearer token." type:"path" env:"SUNDFLOW_TOKEN_FILE"`
	Out       string        `help:"Write the events as JSON lines to this file (- for stdout) instead of posting them." placeholder:"FILE"`
	DryRun    bool          `help:"Build and check every event but send nothing (same as --out with nowhere to write)."`
	BatchSize int           `help:"Events per request to the gateway." default:"500"`
	Attempts  int           `help:"Tries per batch while the gateway is unavailable (5xx, 503, connection errors); -1 retries until stopped." default:"10"`
	Timeout   time.Duration `help:"Time limit of one request." default:"60s"`
}

// Validate checks the flags; a gateway target needs a token.
func (f *Flags) Validate() error {
	if f.BatchSize < 1 {
		return errors.New("--batch-size must be at least 1")
	}
	if f.Out != "" || f.DryRun {
		return nil
	}
	if f.Token == "" && f.TokenFile == "" {
		return errors.New("no gateway token: set SUNDFLOW_TOKEN or --token-file (or use --out FILE / --dry-run to post nothing)")
	}
	if f.Token != "" && f.TokenFile != "" {
		return errors.New("give --token or --token-file, not both")
	}
	return nil
}

// Target is an opened destination: a [Client] or a [Lines] writer. Close
// flushes and closes what Open opened.
type Target struct {
	Client *Client // nil when writing to a file
	Lines  *Lines  // nil when posting
	close  func() error
	desc   string
}

// Describe says where events go, for a log line.
func (t *Target) Describe() string { return t.desc }

// Close flushes a file target and closes it.
func (t *Target) Close() error {
	if t.close == nil {
		return nil
	}
	return t.close()
}

// Open builds the destination the flags name: a JSON-lines file (--out),
// nowhere (--dry-run), or the gateway.
func (f *Flags) Open(stdout io.Writer, logger *slog.Logger, reg prometheus.Registerer) (*Target, error) {
	switch {
	case f.Out == "-":
		l := NewLines(stdout)
		return &Target{Lines: l, close: l.Flush, desc: "stdout (JSON lines)"}, nil
	case f.Out != "":
		file, err := os.Create(f.Out)
		if err != nil {
			return nil, fmt.Errorf("open --out: %w", err)
		}
		l := NewLines(file)
		return &Target{Lines: l, desc: f.Out + " (JSON lines)", close: func() error {
			return errors.Join(l.Flush(), file.Close())
		}}, nil
	case f.DryRun:
		return &Target{Lines: NewLines(io.Discard), desc: "nowhere (dry run)"}, nil
	}
	token := f.Token
	if f.TokenFile != "" {
		b, err := os.ReadFile(f.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("read token file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	c, err := NewClient(f.Gateway, token, Options{
		BatchSize:   f.BatchSize,
		MaxAttempts: f.Attempts,
		Timeout:     f.Timeout,
		Registerer:  reg,
		Logger:      logger,
	})
	if err != nil {
		return nil, err
	}
	return &Target{Client: c, desc: c.Endpoint()}, nil
}

// Publish sends events to the target.
func (t *Target) Publish(ctx context.Context, events []ce.Event) (Result, error) {
	if t.Client != nil {
		return t.Client.Publish(ctx, events)
	}
	return t.Lines.Publish(ctx, events)
}
