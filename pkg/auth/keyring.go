package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Keyring holds the current version of the token file and swaps in a new
// one when the file changes; requests in flight keep the version they
// started with.
type Keyring struct {
	path    string
	log     *slog.Logger
	current atomic.Pointer[keyset]

	mu      sync.Mutex // serialises reloads
	modTime time.Time
	size    int64

	reloads *prometheus.CounterVec
	lastOK  prometheus.Gauge
	tokens  prometheus.Gauge
}

// Load reads the token file at path; an unreadable or invalid file is an
// error here (at start), but only a logged error on a later reload, which
// keeps the last good version.
func Load(path string, log *slog.Logger, reg prometheus.Registerer) (*Keyring, error) {
	k := &Keyring{
		path: path,
		log:  log,
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sundflow_auth_reloads_total",
			Help: "Token file loads, by result (ok, error); an error keeps the previous tokens.",
		}, []string{"result"}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sundflow_auth_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful token file load.",
		}),
		tokens: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sundflow_auth_tokens",
			Help: "Tokens in the token file currently in force.",
		}),
	}
	for _, c := range []prometheus.Collector{k.reloads, k.lastOK, k.tokens} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register auth metrics: %w", err)
		}
	}
	k.reloads.WithLabelValues("ok")
	k.reloads.WithLabelValues("error")
	if _, err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Authenticate returns the client holding token, or ErrUnauthenticated.
func (k *Keyring) Authenticate(token string) (*Client, error) {
	return k.current.Load().authenticate(token)
}

// Reload reads the file again and, if it is valid, puts it in force.
// changed is false when the file's size and modification time are as at
// the last load.
func (k *Keyring) Reload() (changed bool, err error) {
	return k.reload(true)
}

func (k *Keyring) reload(force bool) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	fi, err := os.Stat(k.path)
	if err != nil {
		k.reloads.WithLabelValues("error").Inc()
		return false, fmt.Errorf("stat token file: %w", err)
	}
	if !force && fi.ModTime().Equal(k.modTime) && fi.Size() == k.size {
		return false, nil
	}
	f, err := os.Open(k.path)
	if err != nil {
		k.reloads.WithLabelValues("error").Inc()
		return false, fmt.Errorf("open token file: %w", err)
	}
	defer f.Close()
	ks, err := parseFile(f)
	// Remember this version even if it is bad, so a broken file is
	// reported once, not on every poll.
	k.modTime, k.size = fi.ModTime(), fi.Size()
	if err != nil {
		k.reloads.WithLabelValues("error").Inc()
		return false, fmt.Errorf("load token file %s: %w", k.path, err)
	}
	k.current.Store(ks)
	k.reloads.WithLabelValues("ok").Inc()
	k.lastOK.SetToCurrentTime()
	k.tokens.Set(float64(len(ks.clients)))
	return true, nil
}

// Watch reloads the file when hup delivers (SIGHUP) and when its size or
// modification time changes, checked every interval, until ctx ends. A
// bad file is logged and the previous tokens stay in force.
func (k *Keyring) Watch(ctx context.Context, interval time.Duration, hup <-chan os.Signal) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			force = true
		case <-t.C:
		}
		changed, err := k.reload(force)
		switch {
		case err != nil && errors.Is(err, ErrConfig):
			k.log.Error("token file invalid, keeping the previous tokens", "path", k.path, "err", err)
		case err != nil:
			k.log.Error("token file unreadable, keeping the previous tokens", "path", k.path, "err", err)
		case changed:
			k.log.Info("token file reloaded", "path", k.path, "tokens", len(k.current.Load().clients))
		}
	}
}
