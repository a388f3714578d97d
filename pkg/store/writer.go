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

// Write inserts the rows of every batch given, one block per table (the
// batches' rows together), the tables in parallel. Several batches let
// goroutines map events into batches of their own. It returns only when
// all inserts finished; an error means some tables may hold the rows and
// others not, which a retry of the same batches repairs (the tables
// collapse rows by source and id).
func (w *Writer) Write(ctx context.Context, bs ...*Batch) error {
	if len(bs) == 0 {
		return nil
	}
	var pending []int
	for i := range bs[0].tables {
		for _, b := range bs {
			if b.tables[i].rows > 0 {
				pending = append(pending, i)
				break
			}
		}
	}
	errs := make(chan error, len(pending))
	for _, i := range pending {
		go func() { errs <- w.insert(ctx, bs, i) }()
	}
	var first error
	for range pending {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// insert writes table i of every batch as one block.
func (w *Writer) insert(ctx context.Context, bs []*Batch, i int) error {
	t := bs[0].tables[i]
	rows := 0
	for _, b := range bs {
		rows += b.tables[i].rows
	}
	batch, err := w.conn.PrepareBatch(ctx, t.insertSQL(w.db))
	if err != nil {
		return fmt.Errorf("prepare insert of %d rows into %s.%s: %w", rows, w.db, t.name, err)
	}
	// Each Batch goes as a block of its own, sent as soon as it is
	// encoded, so the client holds one block at a time however many
	// batches one insert takes; the server makes them one part.
	sent := 0
	for _, b := range bs {
		if b.tables[i].rows == 0 {
			continue
		}
		if sent > 0 {
			if err := batch.Flush(); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("send a block of %s.%s: %w", w.db, t.name, err)
			}
		}
		for j, c := range t.cols {
			if err := batch.Column(j).Append(b.tables[i].cols[j].values()); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("append column %s of %s.%s: %w", c.name(), w.db, t.name, err)
			}
		}
		sent++
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d rows into %s.%s: %w", rows, w.db, t.name, err)
	}
	return nil
}
