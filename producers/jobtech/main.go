// Command jobtech reads Arbetsförmedlingen's JobTech JobStream ads, from a
// saved answer or from the stream API, and posts vacancy.published and
// vacancy.closed events to the ingest gateway.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/jobtech"
	"github.com/sundflow/sundflow/pkg/refcode"
)

// Config is jobtech's command line.
type Config struct {
	File   string `help:"A saved JobStream answer (JSON array of ads, or JSON lines); - reads stdin." placeholder:"FILE" xor:"input" required:""`
	URL    string `help:"Fetch from this JobStream endpoint (e.g. ${stream_url}) with the date parameter from --since." placeholder:"URL" xor:"input" required:""`
	Since  string `help:"With --url: ads changed since this Swedish local time, 2006-01-02 or 2006-01-02T15:04:05."`
	APIKey string `help:"JobTech API key, sent as the api-key header when set." env:"JOBTECH_API_KEY"`

	Source        string   `help:"CloudEvents source of the events." default:"/se/arbetsformedlingen/jobstream"`
	Project       []string `help:"Project id(s) every vacancy.published counts toward, e.g. job-paa-tvaers."`
	Lan           []string `help:"Keep only ads with a workplace in these Swedish län (2-digit codes, e.g. 12 for Skåne)."`
	Municipality  []string `help:"Keep only ads with a workplace in these Swedish kommunkoder (e.g. 1283 Helsingborg)."`
	UnknownReason string   `help:"Closing reason of a removed ad whose last publication date is unknown: withdrawn or expired." enum:"withdrawn,expired" default:"withdrawn"`

	delivery.Flags `embed:""`

	LogFormat string `help:"Log format on stderr: json or text." enum:"json,text" default:"json"`
	LogLevel  string `help:"Log level: debug, info, warn or error." enum:"debug,info,warn,error" default:"info"`

	since time.Time
}

// Validate checks what kong cannot.
func (c *Config) Validate() error {
	if c.URL != "" {
		if c.Since == "" {
			return errors.New("--url needs --since (the stream's date parameter)")
		}
		loc, _ := time.LoadLocation("Europe/Stockholm")
		var err error
		for _, layout := range []string{"2006-01-02T15:04:05", time.DateOnly} {
			if c.since, err = time.ParseInLocation(layout, c.Since, loc); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("--since %q: use 2006-01-02 or 2006-01-02T15:04:05", c.Since)
		}
	}
	for _, l := range c.Lan {
		if _, ok := refcode.SECounty(l); !ok {
			return fmt.Errorf("--lan %q is not a Swedish län code (2 digits, e.g. 12 Skåne)", l)
		}
	}
	for _, m := range c.Municipality {
		if _, ok := refcode.SEMunicipality(m); !ok {
			return fmt.Errorf("--municipality %q is not a Swedish kommunkod (4 digits, e.g. 1283 Helsingborg)", m)
		}
	}
	if c.Out == "-" && c.File == "-" {
		return errors.New("stdin cannot be both the ads and where events go")
	}
	return c.Flags.Validate()
}

func main() {
	var cfg Config
	kong.Parse(&cfg,
		kong.Name("jobtech"),
		kong.Description("Turn JobTech JobStream ads into sundflow vacancy events.\n\n"+
			"Examples:\n"+
			"  jobtech --file stream.json --out vacancies.jsonl\n"+
			"  SUNDFLOW_TOKEN=... jobtech --url "+jobtech.DefaultStreamURL+" --since 2019-03-01 --lan 12"),
		kong.Vars{"stream_url": jobtech.DefaultStreamURL},
		kong.UsageOnError(),
	)
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, logger)
	stop()
	if err != nil {
		logger.Error("jobtech failed", "err", err)
		fmt.Fprintln(os.Stderr, "jobtech:", err)
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
