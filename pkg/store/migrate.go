package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one versioned SQL file under migrations/, named
// NNNN_what.sql. Its statements are idempotent (IF NOT EXISTS), so
// applying it again, or from two processes at once, is harmless.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Checksum identifies the migration's text; a recorded migration whose
// file changed is refused ([ErrMigrationChanged]).
func (m Migration) Checksum() string {
	sum := sha256.Sum256([]byte(m.SQL))
	return hex.EncodeToString(sum[:])
}

// Statements returns the migration's statements for database db, with
// comments removed.
func (m Migration) Statements(db string) []string {
	var b strings.Builder
	for _, line := range strings.Split(m.SQL, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";\n") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, strings.ReplaceAll(s, "${db}", db))
		}
	}
	return out
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_lower_case.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration files %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ValidDatabase reports a database name the migrations cannot use: it
// must be a plain identifier (letters, digits, underscore).
func ValidDatabase(db string) error {
	if !identifier.MatchString(db) {
		return fmt.Errorf("database name %q: must be letters, digits and underscores, starting with a letter or underscore, at most 63 characters", db)
	}
	return nil
}

// MigrationsTable records the applied migrations of a database.
const MigrationsTable = "schema_migrations"

// MigrateResult says what [Migrate] did.
type MigrateResult struct {
	// Applied are the migrations this call ran (already recorded ones are
	// not run again).
	Applied []Migration
	// Version is the highest version now recorded.
	Version int
}

// Migrate brings database db to the latest embedded migration.
//
// ClickHouse has no transactions, so safety comes from idempotence: every
// statement is CREATE ... IF NOT EXISTS, and a migration is recorded in
// schema_migrations (a ReplacingMergeTree keyed by version) only after all
// its statements succeeded. Two processes migrating at once may both run a
// migration and both record it; that converges to the same schema and one
// recorded row per version. A statement that loses a race for the same
// table (ClickHouse 18.16 answers "already exists" or "is creating right
// now" despite IF NOT EXISTS) is retried.
func Migrate(ctx context.Context, conn driver.Conn, db string) (MigrateResult, error) {
	var res MigrateResult
	if err := ValidDatabase(db); err != nil {
		return res, err
	}
	ms, err := Migrations()
	if err != nil {
		return res, err
	}
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + db,
		"CREATE TABLE IF NOT EXISTS " + db + "." + MigrationsTable + ` (
    version UInt32,
    name String,
    checksum String,
    applied DateTime('UTC'),
    applied_by String
)
ENGINE = ReplacingMergeTree(applied)
PARTITION BY tuple()
ORDER BY version`,
	} {
		if err := execRetry(ctx, conn, q); err != nil {
			return res, fmt.Errorf("prepare %s.%s: %w", db, MigrationsTable, err)
		}
	}
	recorded, err := recordedMigrations(ctx, conn, db)
	if err != nil {
		return res, err
	}
	for _, m := range ms {
		if sum, ok := recorded[m.Version]; ok {
			if sum != m.Checksum() {
				return res, fmt.Errorf("migration %s in %s: recorded checksum %.12s, file now %.12s: %w", m.Name, db, sum, m.Checksum(), ErrMigrationChanged)
			}
			continue
		}
		for i, q := range m.Statements(db) {
			if err := execRetry(ctx, conn, q); err != nil {
				return res, fmt.Errorf("apply migration %s to %s, statement %d: %w", m.Name, db, i+1, err)
			}
		}
		if err := recordMigration(ctx, conn, db, m); err != nil {
			return res, err
		}
		recorded[m.Version] = m.Checksum()
		res.Applied = append(res.Applied, m)
	}
	for v := range recorded {
		res.Version = max(res.Version, v)
	}
	return res, nil
}

func recordedMigrations(ctx context.Context, conn driver.Conn, db string) (map[int]string, error) {
	rows, err := conn.Query(ctx, "SELECT version, argMax(checksum, applied) AS recorded_checksum FROM "+db+"."+MigrationsTable+" GROUP BY version")
	if err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", db, MigrationsTable, err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v uint32
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("read %s.%s: %w", db, MigrationsTable, err)
		}
		out[int(v)] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", db, MigrationsTable, err)
	}
	return out, nil
}

func recordMigration(ctx context.Context, conn driver.Conn, db string, m Migration) error {
	host, _ := os.Hostname()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+"."+MigrationsTable+" (version, name, checksum, applied, applied_by)")
	if err != nil {
		return fmt.Errorf("record migration %s in %s: %w", m.Name, db, err)
	}
	if err := b.Append(uint32(m.Version), m.Name, m.Checksum(), time.Now().UTC(), fmt.Sprintf("%s:%d", host, os.Getpid())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("record migration %s in %s: %w", m.Name, db, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record migration %s in %s: %w", m.Name, db, err)
	}
	return nil
}

// execRetry runs an idempotent DDL statement, retrying a few times: a
// concurrent migrator creating the same object makes ClickHouse fail the
// statement even with IF NOT EXISTS, and the retry then finds it there.
func execRetry(ctx context.Context, conn driver.Conn, q string) error {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = conn.Exec(ctx, q); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %v)", ctx.Err(), err)
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return err
}
