package api

import (
	"errors"
	"net/http"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/twoway"
)

// syncNow enqueues a catalog sync of the partner ("Sync now"). Pressing it
// while a sync waits or runs gives that sync's job: duplicate says so.
// The run appears in /api/v1/sync/runs, with this job_id, once it starts.
func (h *handler) syncNow(w http.ResponseWriter, r *http.Request, partnerID int64) {
	if h.deps.Queue == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "no_queue", "", "This server runs no job queue: run 'halobridge sync' instead.")
		return
	}
	_, err := h.deps.Store.HaloConnection(r.Context(), partnerID)
	if errors.Is(err, store.ErrNotFound) {
		err = connect.ErrNotConnected
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	info, err := h.deps.Queue.Insert(r.Context(), syncrun.SyncArgs{PartnerID: partnerID}, nil)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusAccepted, map[string]any{"job_id": info.ID, "duplicate": info.Duplicate})
}

// runView is a sync run with its progress drawn as the CLI draws it.
type runView struct {
	ID         int64            `json:"id"`
	Kind       string           `json:"kind"`
	State      string           `json:"state"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at"`
	Steps      []store.SyncStep `json:"steps"`
	Error      string           `json:"error,omitempty"`
	JobID      int64            `json:"job_id,omitempty"`
	Progress   string           `json:"progress"`
}

func viewRun(run store.SyncRun) runView {
	return runView{ID: run.ID, Kind: run.Kind, State: run.State, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt,
		Steps: run.Steps, Error: run.Error, JobID: run.JobID, Progress: jobs.RenderProgress(nil, run, 0)}
}

// listRuns answers the partner's sync history, newest first, and the health of
// halobridge's webhook in HaloPSA (how closures there reach halobridge). Query:
// kind=<kind>, limit=<n> (default 100).
func (h *handler) listRuns(w http.ResponseWriter, r *http.Request, partnerID int64) {
	limit, ok := h.queryInt(w, r, "limit")
	if !ok {
		return
	}
	runs, err := h.deps.Store.SyncRuns(r.Context(), partnerID, r.URL.Query().Get("kind"), limit)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	views := make([]runView, 0, len(runs))
	for _, run := range runs {
		views = append(views, viewRun(run))
	}
	webhook, err := twoway.HealthOf(r.Context(), h.deps.Store, partnerID, h.deps.Now())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]any{"runs": views, "webhook": webhook})
}

// ensureWebhook creates halobridge's webhook in the partner's HaloPSA, or enables it again,
// as Resolve does for the webhook's events and the Sync page's button; it answers what it
// did and the webhook's health afterwards.
func (h *handler) ensureWebhook(w http.ResponseWriter, r *http.Request, partnerID int64) {
	done, err := h.deps.Events.EnsureWebhook(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	webhook, err := twoway.HealthOf(r.Context(), h.deps.Store, partnerID, h.deps.Now())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]any{"done": done, "webhook": webhook})
}

// getRun answers one run, for following its progress.
func (h *handler) getRun(w http.ResponseWriter, r *http.Request, partnerID int64) {
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	run, err := h.deps.Store.SyncRun(r.Context(), partnerID, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, viewRun(run))
}
