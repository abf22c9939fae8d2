package syncrun

import (
	"testing"
	"time"

	"halobridge/internal/store"
)

func TestChangesSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	for _, tc := range []struct {
		name      string
		last      store.CatalogRead
		wantSince time.Time
		wantOK    bool
	}{
		{"NeverReadIsReadWhole", store.CatalogRead{}, time.Time{}, false},
		{"ChangesWithoutAWholeReadAreReadWhole", store.CatalogRead{Changes: at(-time.Hour)}, time.Time{}, false},
		{"ReadWholeAnHourAgoReadsChangesSinceAQuarterBefore", store.CatalogRead{Full: at(-time.Hour), Changes: at(-time.Hour)}, at(-75 * time.Minute), true},
		{"ReadsChangesSinceTheLastReadOfChanges", store.CatalogRead{Full: at(-5 * time.Hour), Changes: at(-time.Hour)}, at(-75 * time.Minute), true},
		{"ReadWholeJustUnderADayAgo", store.CatalogRead{Full: at(-24*time.Hour + time.Second), Changes: at(-time.Hour)}, at(-75 * time.Minute), true},
		{"ReadWholeADayAgoIsReadWhole", store.CatalogRead{Full: at(-24 * time.Hour), Changes: at(-time.Hour)}, time.Time{}, false},
		{"ReadWholeTwoDaysAgoIsReadWhole", store.CatalogRead{Full: at(-48 * time.Hour), Changes: at(-47 * time.Hour)}, time.Time{}, false},
		{"AWholeReadStillToComeIsReadWhole", store.CatalogRead{Full: at(time.Hour), Changes: at(time.Hour)}, time.Time{}, false},
		{"ChangesStillToComeAreReadWhole", store.CatalogRead{Full: at(-time.Hour), Changes: at(time.Minute)}, time.Time{}, false},
		{"ReadJustNow", store.CatalogRead{Full: now, Changes: now}, at(-15 * time.Minute), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			since, ok := changesSince(tc.last, now)
			if ok != tc.wantOK || !since.Equal(tc.wantSince) {
				t.Errorf("changesSince = %s, %v; want %s, %v", since, ok, tc.wantSince, tc.wantOK)
			}
		})
	}
}
