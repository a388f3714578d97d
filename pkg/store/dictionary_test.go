package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/store"
)

// Every table, view and column the migrations create is named in the
// data dictionary, deploy/clickhouse/README.md.
func TestDataDictionaryIsComplete(t *testing.T) {
	b, err := os.ReadFile("../../deploy/clickhouse/README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	conn := chservertest.Conn(t, srv, "", "")
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT table, name FROM system.columns WHERE database = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		if !seen[table] && !strings.Contains(doc, "`"+table+"`") {
			t.Errorf("%s is not in the data dictionary", table)
		}
		seen[table] = true
		if !strings.Contains(doc, "`"+column+"`") {
			t.Errorf("column %s of %s is not in the data dictionary", column, table)
		}
	}
	if len(seen) < len(store.Tables)+10 {
		t.Fatalf("found only %d tables and views", len(seen))
	}
}
