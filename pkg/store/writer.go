package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ConnConfig says how to reach ClickHouse over the native protocol.
type ConnConfig struct {
	// Addr is host:port of the native protocol. Default 127.0.0.1:9000.
	Addr string
	// Username; default "default".
	Username string
	// Password; default none.
	Password string
	// DialTimeout bounds connecting. Default 5s.
	DialTimeout time.Duration
	// ReadTimeout bounds waiting for an answer. Default 5m.
	ReadTimeout time.Duration
	// MaxOpenConns bounds the pool. Default 10 (one per table inserted
	// in parallel, plus queries).
	MaxOpenConns int
	// Compress sends blocks LZ4-compressed: worth it over a network, not
	// on loopback. Default off.
	Compress bool
}

func (c *ConnConfig) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:9000"
	}
	if c.Username == "" {
		c.Username = "default"
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 5 * time.Minute
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 10
	}
}

// Open connects to ClickHouse and checks the connection with a ping.
func Open(ctx context.Context, cfg ConnConfig) (driver.Conn, error) {
	cfg.setDefaults()
	opts := &clickhouse.Options{
		Addr:         []string{cfg.Addr},
		Auth:         clickhouse.Auth{Username: cfg.Username, Password: cfg.Password},
		DialTimeout:  cfg.DialTimeout,
		ReadTimeout:  cfg.ReadTimeout,
		MaxOpenConns: cfg.MaxOpenConns,
		MaxIdleConns: cfg.MaxOpenConns,
		ClientInfo:   clickhouse.ClientInfo{Products: []struct{ Name, Version string }{{Name: "sundflow", Version: "1"}}},
	}
	if cfg.Compress {
		opts.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse %s: %w", cfg.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ping clickhouse %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

// Writer inserts batches into the tables of one database.
type Writer struct {
	conn driver.Conn
	db   string
}

// NewWriter writes to database db through conn.
func NewWriter(conn driver.Conn, db string) *Writer {
	return &Writer{conn: conn, db: db}
}

// Database is the database written to.
func (w *Writer) Database() string { return w.db }

// Write inserts every non-empty table of b, one block per table, the
// tables in parallel. It returns only when all inserts finished; an error
// means some tables may hold the rows and others not, which a retry of the
// same batch repairs (the tables collapse rows by source and id).
func (w *Writer) Write(ctx context.Context, b *Batch) error {
	var pending []*table
	for _, t := range b.tables {
		if t.rows > 0 {
			pending = append(pending, t)
		}
	}
	errs := make(chan error, len(pending))
	for _, t := range pending {
		go func() { errs <- w.insert(ctx, t) }()
	}
	var first error
	for range pending {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (w *Writer) insert(ctx context.Context, t *table) error {
	batch, err := w.conn.PrepareBatch(ctx, t.insertSQL(w.db))
	if err != nil {
		return fmt.Errorf("prepare insert of %d rows into %s.%s: %w", t.rows, w.db, t.name, err)
	}
	for i, c := range t.cols {
		if err := batch.Column(i).Append(c.values()); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("append column %s of %s.%s: %w", c.name(), w.db, t.name, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d rows into %s.%s: %w", t.rows, w.db, t.name, err)
	}
	return nil
}
