package retention

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

func openSQLite(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Open(t, "sqlite://"+filepath.Join(t.TempDir(), "halobridge.db"))
}

// brokenStore fails every batch the way a database that went away does.
type brokenStore struct{ *store.Store }

func (brokenStore) PruneAlerts(context.Context, store.PruneQuery) (store.Pruned, error) {
	return store.Pruned{}, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
}

func TestWorker(t *testing.T) {
	t.Parallel()

	t.Run("EndsWithoutFailingWhenItsTimeIsUp", func(t *testing.T) {
		t.Parallel()
		var logged bytes.Buffer
		w := &worker{pruner: &Pruner{Store: openSQLite(t), Retention: time.Hour, Logger: slog.New(slog.NewTextHandler(&logged, nil))}}
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		if err := w.Work(ctx, nil); err != nil {
			t.Errorf("Work at its deadline: %v; want nil, the next run goes on", err)
		}
		if !strings.Contains(logged.String(), "the next run goes on") {
			t.Errorf("logged %q; want it to say the next run goes on", logged.String())
		}
	})

	t.Run("FailsWhenTheDatabaseDoesSoRiverTriesAgain", func(t *testing.T) {
		t.Parallel()
		w := &worker{pruner: &Pruner{Store: brokenStore{openSQLite(t)}, Retention: time.Hour}}
		err := w.Work(t.Context(), nil)
		if err == nil || !strings.Contains(err.Error(), "prune old alerts") || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("Work = %v; want the database's own words", err)
		}
	})
}
