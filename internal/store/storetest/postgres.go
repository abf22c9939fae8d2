package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL gives the test a PostgreSQL schema of its own in the database
// TEST_DATABASE_URL names, so that tests run in parallel without seeing each
// other's tables, drops it when the test ends, and returns a URL whose
// connections (at most maxConns) use it. Without TEST_DATABASE_URL the test
// is skipped, saying how to run it.
func PostgresURL(t *testing.T, prefix string, maxConns int) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/halobridge_test?sslmode=disable to run the PostgreSQL tests")
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	schema := prefix + "_" + hex.EncodeToString(suffix)
	adminExec(t, t.Context(), base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adminExec(t, ctx, base, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", strconv.Itoa(maxConns))
	u.RawQuery = q.Encode()
	return u.String()
}

func adminExec(t *testing.T, ctx context.Context, databaseURL, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
