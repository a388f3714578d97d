package bus

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnConfig says how a program reaches NATS.
type ConnConfig struct {
	// URL of the server, e.g. nats://127.0.0.1:4222; user and password may
	// be part of it.
	URL string
	// Name shows up in the server's connection list, e.g. sundflow-ingest.
	Name string
	// CredsFile is a NATS credentials file (JWT and seed), if any.
	CredsFile string
	// NkeySeedFile is a file holding a user nkey seed, if any.
	NkeySeedFile string
	// PublishTimeout bounds the wait for each asynchronous publish
	// acknowledgement. Default 5s.
	PublishTimeout time.Duration
	// MaxPending bounds the asynchronously published messages waiting for
	// their acknowledgement. Default 16384.
	MaxPending int
	// ReconnectWait is the pause between reconnect attempts. Default 1s.
	ReconnectWait time.Duration
	// InboxPrefix replaces "_INBOX" as the prefix of the subjects that
	// replies, JetStream API answers included, come back on
	// (nats.CustomInboxPrefix): a user whose permissions allow it to
	// subscribe only to its own inbox, as deploy/nats/accounts.conf does
	// for the dashboard (_INBOX_dashboard.>), needs it. Empty: "_INBOX".
	InboxPrefix string
}

func (c *ConnConfig) setDefaults() {
	if c.PublishTimeout == 0 {
		c.PublishTimeout = 5 * time.Second
	}
	if c.MaxPending == 0 {
		c.MaxPending = 16384
	}
	if c.ReconnectWait == 0 {
		c.ReconnectWait = time.Second
	}
}

// Connect dials NATS and opens its JetStream. The connection reconnects
// for ever: a NATS restart makes publishes fail (and the gateway answer
// 503) until it is back, never the program exit. Close it with Drain or
// Close.
func Connect(ctx context.Context, cfg ConnConfig) (*nats.Conn, jetstream.JetStream, error) {
	cfg.setDefaults()
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.ReconnectWait),
		nats.RetryOnFailedConnect(false),
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.NkeySeedFile != "" {
		o, err := nats.NkeyOptionFromSeed(cfg.NkeySeedFile)
		if err != nil {
			return nil, nil, fmt.Errorf("read nkey seed %s: %w", cfg.NkeySeedFile, err)
		}
		opts = append(opts, o)
	}
	if cfg.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(cfg.InboxPrefix))
	}
	if dl, ok := ctx.Deadline(); ok {
		opts = append(opts, nats.Timeout(time.Until(dl)))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to nats at %s: %w", Redact(cfg.URL), err)
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncTimeout(cfg.PublishTimeout),
		jetstream.WithPublishAsyncMaxPending(cfg.MaxPending),
	)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("open jetstream: %w", err)
	}
	return nc, js, nil
}

// Redact hides passwords in a NATS URL list (comma-separated) so it can
// be logged.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		if _, hasPassword := u.User.Password(); !hasPassword {
			// nats://TOKEN@host: the user name is the secret.
			u.User = url.User("redacted")
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}
