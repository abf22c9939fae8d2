package jobs

import (
	"bytes"
	"testing"
	"time"

	"halobridge/internal/store"
)

func TestRenderProgress(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	finished := started.Add(4200 * time.Millisecond)
	later := started.Add(83*time.Second + 400*time.Millisecond)

	tests := []struct {
		name  string
		run   store.SyncRun
		width int
		want  string
	}{
		{
			name:  "a running step with a known total",
			run:   store.SyncRun{Kind: "catalog", State: store.SyncRunning, Steps: []store.SyncStep{{Name: "clients", Total: 500, Done: 260}}},
			width: 18,
			want:  "catalog  [#########.........]  52%  clients 260/500",
		},
		{
			name: "a run that has not begun a step, at the default width",
			run:  store.SyncRun{Kind: "usage", State: store.SyncRunning},
			want: "usage  [....................]   0%  starting",
		},
		{
			name:  "a step of unknown size, after errors in an earlier step",
			run:   store.SyncRun{Kind: "catalog", State: store.SyncRunning, Steps: []store.SyncStep{{Name: "clients", Total: 2, Done: 2, Counts: map[string]int{"errors": 1}}, {Name: "sites", Done: 12}}},
			width: 10,
			want:  "catalog  [..........]   0%  sites 12, 1 error",
		},
		{
			name:  "a run that succeeded with errors on the way",
			run:   store.SyncRun{Kind: "catalog", State: store.SyncSucceeded, StartedAt: started, FinishedAt: &finished, Steps: []store.SyncStep{{Name: "users", Total: 9, Done: 7, Counts: map[string]int{"errors": 3, "created": 4}}}},
			width: 10,
			want:  "catalog  [##########] 100%  succeeded in 4.2s, 3 errors",
		},
		{
			name:  "a long run that succeeded",
			run:   store.SyncRun{Kind: "billing", State: store.SyncSucceeded, StartedAt: started, FinishedAt: &later},
			width: 4,
			want:  "billing  [####] 100%  succeeded in 1m23s",
		},
		{
			name:  "a run that failed halfway through a step",
			run:   store.SyncRun{Kind: "billing", State: store.SyncFailed, Error: "HaloPSA refused the token", Steps: []store.SyncStep{{Name: "invoices", Total: 4, Done: 2}}},
			width: 10,
			want:  "billing  [#####.....]  50%  failed: HaloPSA refused the token",
		},
		{
			name:  "more done than announced",
			run:   store.SyncRun{Kind: "usage", State: store.SyncRunning, Steps: []store.SyncStep{{Name: "licences", Total: 3, Done: 5}}},
			width: 4,
			want:  "usage  [####] 100%  licences 5/3",
		},
	}
	for _, tt := range tests {
		if got := RenderProgress(nil, tt.run, tt.width); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestRenderProgressToATerminal(t *testing.T) {
	t.Parallel()

	t.Run("RedrawsTheLineWhileRunningAndEndsItWhenFinished", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		run := store.SyncRun{Kind: "catalog", State: store.SyncRunning, Steps: []store.SyncStep{{Name: "clients", Total: 4, Done: 1}}}
		RenderProgress(&out, run, 4)
		run.State, run.Error = store.SyncFailed, "stopped"
		RenderProgress(&out, run, 4)
		want := "\rcatalog  [#...]  25%  clients 1/4\x1b[K" + "\rcatalog  [#...]  25%  failed: stopped\x1b[K\n"
		if got := out.String(); got != want {
			t.Errorf("written:\n got %q\nwant %q", got, want)
		}
	})
}
