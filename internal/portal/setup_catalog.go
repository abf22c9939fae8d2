package portal

import (
	"net/http"
	"strconv"

	"halobridge/internal/store"
)

// catalogState says whether the billing and ticketing steps can be shown:
// they choose from the HaloPSA catalog and the usage the first sync reads.
type catalogState struct {
	// Ready: a sync has finished, so the stored catalog is what HaloPSA
	// had then.
	Ready bool
	// Waiting and Running follow the sync that fills the catalog.
	Waiting *jobWaiting
	Running *runView
	// LastError is why the latest sync failed, when it did.
	LastError string
	// Then is the page to come back to once the sync has finished.
	Then string
}

func (h *handler) catalogState(r *http.Request, partnerID int64) (*catalogState, error) {
	then := r.URL.Path + "?step=" + r.URL.Query().Get("step")
	st := &catalogState{Then: then}
	runs, err := h.deps.Store.SyncRuns(r.Context(), partnerID, store.SyncCatalog, historyLimit)
	if err != nil {
		return nil, err
	}
	if job, err := strconv.ParseInt(r.URL.Query().Get("job"), 10, 64); err == nil && job > 0 {
		started := false
		for _, run := range runs {
			started = started || run.JobID == job
		}
		if !started {
			st.Waiting = &jobWaiting{JobID: job, What: "The first sync of HaloPSA and your sources", Then: then}
			return st, nil
		}
	}
	for _, run := range runs {
		switch {
		case run.State == store.SyncRunning:
			rv := newRunView(run, then)
			st.Running = &rv
			return st, nil
		case run.FinishedAt != nil:
			st.Ready = true
			if run.State == store.SyncFailed {
				st.LastError = run.Error
			}
			return st, nil
		}
	}
	return st, nil
}
