package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sundflow/sundflow/pkg/event"
)

// BatchContentType is the CloudEvents HTTP binding's batch mode.
const BatchContentType = "application/cloudevents-batch+json"

// maxResponseBytes bounds how much of an answer is read; a batch answer
// is about 150 bytes per event.
const maxResponseBytes = 32 << 20

// Options tunes a [Client]. Zero values take the defaults given.
type Options struct {
	// BatchSize is how many events go in one request (default 500). Keep
	// it at or under the gateway's batch length limit; a 413 answer makes
	// the client halve the batch anyway.
	BatchSize int
	// MaxAttempts is how often one batch is tried before giving up with
	// [ErrUnavailable] (default 10); negative means until ctx ends.
	MaxAttempts int
	// BaseDelay is the first backoff (default 250ms); it doubles per
	// attempt, with full jitter, up to MaxDelay (default 30s). A
	// Retry-After answer is waited for in full, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// Timeout bounds one request (default 60s).
	Timeout time.Duration
	// HTTPClient defaults to a client with Timeout.
	HTTPClient *http.Client
	// Registerer receives the client's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger gets a Warn line per retry; nil discards.
	Logger *slog.Logger
	// UserAgent is sent with every request (default "sundflow-delivery").
	UserAgent string
}

func (o *Options) setDefaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 10
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 250 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 30 * time.Second
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.UserAgent == "" {
		o.UserAgent = "sundflow-delivery"
	}
}

// Client posts events to the ingest gateway. It is safe for concurrent use.
type Client struct {
	endpoint string
	token    string
	opts     Options
	metrics  *metrics
	// sleep waits d or until ctx ends; tests replace it to record delays.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client for the gateway at base, e.g.
// http://127.0.0.1:8080 (the client posts to base + /v1/events; a base
// that already ends in /v1/events is used as it is), authenticating with
// the bearer token.
func NewClient(base, token string, opts Options) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parse gateway url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("gateway url %q: scheme must be http or https", base)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("gateway url %q: no host", base)
	}
	if !strings.HasSuffix(u.Path, "/v1/events") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/events"
	}
	opts.setDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Client{endpoint: u.String(), token: token, opts: opts, metrics: m, sleep: sleepCtx}, nil
}

// Endpoint is the URL the client posts to.
func (c *Client) Endpoint() string { return c.endpoint }

// Publish is [Client.PostBatch]; it makes a Client a producer's sink.
func (c *Client) Publish(ctx context.Context, events []ce.Event) (Result, error) {
	return c.PostBatch(ctx, events)
}

// PostBatch posts events in batches of Options.BatchSize and returns the
// gateway's answer for each. Rejected events are not an error: they are in
// the result with their problems. An error means a batch got no answer
// (ErrUnavailable after the retries, ErrRefused, ErrBadResponse, or ctx's
// error); the result then covers the batches before it.
func (c *Client) PostBatch(ctx context.Context, events []ce.Event) (Result, error) {
	var total Result
	for start := 0; start < len(events); start += c.opts.BatchSize {
		end := min(start+c.opts.BatchSize, len(events))
		r, err := c.postSplitting(ctx, events[start:end])
		total.add(r, start)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// postSplitting posts one batch and, when the gateway answers 413, its
// two halves instead.
func (c *Client) postSplitting(ctx context.Context, batch []ce.Event) (Result, error) {
	r, err := c.postWithRetry(ctx, batch)
	var se *StatusError
	if err == nil || !errors.As(err, &se) || se.Code != http.StatusRequestEntityTooLarge || len(batch) < 2 {
		return r, err
	}
	half := len(batch) / 2
	var total Result
	first, err := c.postSplitting(ctx, batch[:half])
	total.add(first, 0)
	if err != nil {
		return total, err
	}
	second, err := c.postSplitting(ctx, batch[half:])
	total.add(second, half)
	return total, err
}

func (c *Client) postWithRetry(ctx context.Context, batch []ce.Event) (Result, error) {
	body, err := encodeBatch(batch)
	if err != nil {
		return Result{}, err
	}
	for attempt := 1; ; attempt++ {
		r, wait, err := c.post(ctx, body, batch)
		if err == nil || !errors.Is(err, ErrUnavailable) {
			c.metrics.countResult(r)
			return r, err
		}
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("post %d events: %w", len(batch), ctx.Err())
		}
		if c.opts.MaxAttempts > 0 && attempt >= c.opts.MaxAttempts {
			return Result{}, fmt.Errorf("post %d events: gave up after %d attempts: %w", len(batch), attempt, err)
		}
		d := c.backoff(attempt, wait)
		c.metrics.retries.Inc()
		c.opts.Logger.Warn("gateway unavailable; retrying", "attempt", attempt, "delay", d, "err", err)
		if err := c.sleep(ctx, d); err != nil {
			return Result{}, fmt.Errorf("post %d events: %w", len(batch), err)
		}
	}
}

// backoff is the wait before attempt+1: what Retry-After asked for, or
// an exponential delay with full jitter, never more than MaxDelay.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.opts.MaxDelay)
	}
	ceiling := c.opts.MaxDelay
	if attempt < 32 {
		ceiling = min(c.opts.BaseDelay<<(attempt-1), c.opts.MaxDelay)
	}
	// Full jitter keeps many producers that failed together from
	// returning together; never below BaseDelay/2 so a retry is not instant.
	return c.opts.BaseDelay/2 + rand.N(ceiling-c.opts.BaseDelay/2+1)
}

// post makes one request. An error matching ErrUnavailable may be retried;
// retryAfter is what the server asked for, if anything.
func (c *Client) post(ctx context.Context, body []byte, batch []ce.Event) (r Result, retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{}, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", BatchContentType)
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	began := time.Now()
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		c.metrics.observe("error", time.Since(began))
		if ctx.Err() != nil {
			return Result{}, 0, fmt.Errorf("post %d events: %w", len(batch), ctx.Err())
		}
		return Result{}, 0, fmt.Errorf("post %d events: %w: %w", len(batch), ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.metrics.observe(strconv.Itoa(resp.StatusCode), time.Since(began))
	if readErr != nil {
		// The answer was cut off: the events may or may not be stored.
		// Sending them again is safe, so treat it like a dropped connection.
		return Result{}, 0, fmt.Errorf("read answer to %d events: %w: %w", len(batch), ErrUnavailable, readErr)
	}

	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		r, err := decodeResult(raw, batch)
		if err != nil {
			return Result{}, 0, fmt.Errorf("answer %d to %d events: %w", code, len(batch), err)
		}
		return r, 0, nil
	case code == http.StatusBadRequest:
		p := decodeProblem(resp.Header, raw)
		if p != nil && len(p.Results) > 0 {
			r, err := decodeResult(raw, batch)
			if err == nil {
				return r, 0, nil
			}
		}
		return Result{}, 0, &StatusError{Code: code, Problem: p}
	default:
		se := &StatusError{Code: code, Problem: decodeProblem(resp.Header, raw)}
		if errors.Is(se, ErrUnavailable) {
			return Result{}, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), se
		}
		return Result{}, 0, se
	}
}

func encodeBatch(batch []ce.Event) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(batch) * 700)
	buf.WriteByte('[')
	for i := range batch {
		b, err := event.Encode(batch[i])
		if err != nil {
			return nil, fmt.Errorf("encode event %d (id %q): %w", i, batch[i].ID(), err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// decodeResult reads a batch answer and checks it covers batch.
func decodeResult(raw []byte, batch []ce.Event) (Result, error) {
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if len(r.Results) != len(batch) {
		return Result{}, fmt.Errorf("%w: %d results for %d events", ErrBadResponse, len(r.Results), len(batch))
	}
	for i, er := range r.Results {
		if er.Index != i {
			return Result{}, fmt.Errorf("%w: result %d has index %d", ErrBadResponse, i, er.Index)
		}
		switch er.Status {
		case StatusAccepted, StatusDuplicate, StatusRejected:
		default:
			return Result{}, fmt.Errorf("%w: result %d has status %q", ErrBadResponse, i, er.Status)
		}
	}
	return r, nil
}

// decodeProblem reads a problem+json (or plain JSON) body; nil when the
// body is not one.
func decodeProblem(h http.Header, raw []byte) *Problem {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "application/problem+json" && mt != "application/json" {
		if len(raw) == 0 {
			return nil
		}
		return &Problem{Detail: firstLine(raw)}
	}
	var p Problem
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil
	}
	return &p
}

func firstLine(raw []byte) string {
	s, _, _ := strings.Cut(string(raw), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.TrimSpace(s)
}

// retryable reports whether a non-2xx code means "try again later".
// 408 and 429 are 4xx codes, but they say nothing is wrong with the
// request itself.
func retryable(code int) bool {
	return code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests
}

// parseRetryAfter reads delta-seconds or an HTTP date; 0 when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
