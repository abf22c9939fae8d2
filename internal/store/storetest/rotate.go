package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func testRotateRefreshToken(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("PassesEachTokenOnceUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		seedRefreshToken(t, b, p.ID)
		rotateConcurrently(t, b.ctx, []*store.Store{b.store, b.store}, p.ID, 4)
	})

	t.Run("KeepsTokenWhenFnFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		seedRefreshToken(t, b, p.ID)
		errRevoked := errors.New("halo said invalid_grant")

		err := b.store.RotateRefreshToken(b.ctx, p.ID, func(string) (string, error) { return "", errRevoked })
		if !errors.Is(err, errRevoked) {
			t.Errorf("error = %v, want fn's error", err)
		}
		c, err := b.store.HaloConnection(b.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.RefreshToken != "token-0" {
			t.Errorf("refresh token = %q after a failed rotation, want token-0 kept", c.RefreshToken)
		}
	})

	t.Run("ReportsMissingConnectionWithoutCallingFn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		called := false
		err := b.store.RotateRefreshToken(b.ctx, p.ID, func(string) (string, error) { called = true; return "x", nil })
		if !errors.Is(err, store.ErrNotFound) || called {
			t.Errorf("error = %v, fn called = %v; want ErrNotFound and no call", err, called)
		}
	})
}

// seedRefreshToken gives the partner an authorization-code connection
// holding "token-0".
func seedRefreshToken(t *testing.T, b *testBundle, partnerID int64) {
	t.Helper()
	c := exampleConnection(partnerID)
	c.GrantType = store.GrantAuthorizationCode
	c.RefreshToken = "token-0"
	if _, err := b.store.SaveHaloConnection(b.ctx, c); err != nil {
		t.Fatalf("SaveHaloConnection: %v", err)
	}
}

// rotateConcurrently has perStore goroutines per store rotate the token,
// each exchanging token-N for token-N+1 as Halo's single-use refresh tokens
// do, and checks that no token was handed out twice.
func rotateConcurrently(t *testing.T, ctx context.Context, stores []*store.Store, partnerID int64, perStore int) {
	t.Helper()
	var mu sync.Mutex
	seen := make(map[string]int)
	fn := func(current string) (string, error) {
		mu.Lock()
		seen[current]++
		mu.Unlock()
		// Hold the lock long enough that an unserialised caller would
		// read the same token.
		time.Sleep(3 * time.Millisecond)
		n, err := strconv.Atoi(strings.TrimPrefix(current, "token-"))
		if err != nil {
			return "", fmt.Errorf("unexpected token %q", current)
		}
		return fmt.Sprintf("token-%d", n+1), nil
	}

	total := len(stores) * perStore
	errs := make(chan error, total)
	var wg sync.WaitGroup
	for _, s := range stores {
		for range perStore {
			wg.Go(func() { errs <- s.RotateRefreshToken(ctx, partnerID, fn) })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("RotateRefreshToken: %v", err)
		}
	}

	want := make(map[string]int, total)
	for i := range total {
		want[fmt.Sprintf("token-%d", i)] = 1
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("times each token was passed to fn (-want +got):\n%s", diff)
	}
	c, err := stores[0].HaloConnection(ctx, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	if wantLast := fmt.Sprintf("token-%d", total); c.RefreshToken != wantLast {
		t.Errorf("stored token = %q, want %q", c.RefreshToken, wantLast)
	}
}
