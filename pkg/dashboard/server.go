package dashboard

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/target"
)

// Options configure a [Server].
type Options struct {
	// Catalog is the projects and their targets (required).
	Catalog *target.Catalog
	// DB reads the projector's views (required): a clickhouse-go
	// connection whose default database is the projection's.
	DB target.Querier
	// Registerer receives the dashboard's metrics (required; never the
	// global registry).
	Registerer prometheus.Registerer
	// Gatherer, when set, is served at /metrics (normally the registry
	// behind Registerer).
	Gatherer prometheus.Gatherer
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AsOf fixes the day the figures are computed for (events dated later
	// do not count), e.g. to present a past reporting date; zero means today.
	AsOf time.Time
	// Refresh is how often the figures are recomputed. Default 30s.
	Refresh time.Duration
	// StaleAfter: warn when nothing has been projected for this long.
	// Default 1h; a negative value never warns.
	StaleAfter time.Duration
	// WindowDays is how far back the run rate looks. Default 90.
	WindowDays int
	// Lag, when set, reports how many events the projector still has to
	// project (its consumer's pending count); shown as a warning when > 0
	// for longer than one refresh.
	Lag func(ctx context.Context) (uint64, error)
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Refresh == 0 {
		o.Refresh = 30 * time.Second
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = time.Hour
	}
	if o.WindowDays == 0 {
		o.WindowDays = target.DefaultWindowDays
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	switch {
	case o.Catalog == nil || len(o.Catalog.Projects) == 0:
		return errors.New("dashboard options: a catalog with at least one project is required")
	case o.DB == nil:
		return errors.New("dashboard options: DB is required")
	case o.Registerer == nil:
		return errors.New("dashboard options: Registerer is required")
	case o.Refresh < 0:
		return fmt.Errorf("dashboard options: refresh %s must not be negative", o.Refresh)
	case o.WindowDays < 0:
		return fmt.Errorf("dashboard options: window of %d days must not be negative", o.WindowDays)
	}
	return nil
}

// Server serves the dashboard, its API and its metrics.
type Server struct {
	opts    Options
	cat     *target.Catalog
	reader  *target.Reader
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	metrics *metrics

	mu      sync.Mutex
	snap    *snapshot // the latest figures for the default as-of day
	lastErr error     // the latest refresh failure, nil after a success
	errAt   time.Time
	lag     *uint64
	handler http.Handler
}

// New builds a server; call [Server.Run] to keep the figures fresh and
// serve [Server.Handler].
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		opts:   opts,
		cat:    opts.Catalog,
		reader: target.NewReader(opts.DB),
		log:    opts.Logger,
		now:    opts.Now,
	}
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(opts.Registerer, s); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler is the HTTP handler of pages, API, assets and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// asOf is the default as-of instant: the fixed day, or now.
func (s *Server) asOf() time.Time {
	if !s.opts.AsOf.IsZero() {
		return s.opts.AsOf
	}
	return s.now()
}

// Refresh recomputes the figures for the default as-of day. On failure
// the previous figures stay in use and the error is shown with them.
func (s *Server) Refresh(ctx context.Context) (*snapshot, error) {
	snap, err := s.compute(ctx, s.asOf())
	var lag *uint64
	if s.opts.Lag != nil {
		if n, lerr := s.opts.Lag(ctx); lerr == nil {
			lag = &n
		} else {
			s.log.Warn("read projector lag", "err", lerr)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lag = lag
	if err != nil {
		s.metrics.refreshErrors.Inc()
		if s.lastErr == nil {
			s.log.Warn("refresh figures", "err", err)
		}
		s.lastErr, s.errAt = err, s.now()
		if s.snap != nil {
			return s.snap, nil
		}
		return nil, err
	}
	s.metrics.refreshes.Inc()
	if s.lastErr != nil {
		s.log.Info("figures readable again")
	}
	s.snap, s.lastErr = snap, nil
	return snap, nil
}

// Run refreshes the figures every Options.Refresh until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if _, err := s.Refresh(ctx); err != nil {
		s.log.Warn("first refresh failed; serving errors until ClickHouse answers", "err", err)
	}
	t := time.NewTicker(s.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Debug("refresh failed", "err", err)
			}
		}
	}
}

// figures returns the snapshot a request asks for: the cached one
// (computed now if there is none yet), or with ?as_of=YYYY-MM-DD one for
// that day measured from the cached facts. When the default day has
// passed since the last refresh, the cached facts are measured again on
// the new day; they stay as fresh as the last refresh.
func (s *Server) figures(ctx context.Context, r *http.Request) (*snapshot, error) {
	var day time.Time
	if v := r.URL.Query().Get("as_of"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, fmt.Errorf("%w: as_of %q is not a date YYYY-MM-DD", ErrBadRequest, v)
		}
		// The end of that day: everything dated that day counts.
		day = t.Add(24*time.Hour - time.Second)
	}
	s.mu.Lock()
	snap := s.snap
	s.mu.Unlock()
	if snap == nil {
		var err error
		if snap, err = s.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	if day.IsZero() {
		if target.Day(snap.asOf).Equal(target.Day(s.asOf())) {
			return snap, nil
		}
		day = s.asOf()
	}
	return s.onDay(snap, day), nil
}

// cached is the latest snapshot without computing, for /metrics.
func (s *Server) cached() *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// health is what the last refresh left behind: its failure (nil after a
// success) and when, and the projector's lag if known.
type health struct {
	lastErr error
	errAt   time.Time
	lag     *uint64
}

func (s *Server) health() health {
	s.mu.Lock()
	defer s.mu.Unlock()
	return health{lastErr: s.lastErr, errAt: s.errAt, lag: s.lag}
}
