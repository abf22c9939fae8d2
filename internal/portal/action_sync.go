package portal

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/riverqueue/river"

	"halobridge/internal/syncrun"
	"halobridge/internal/web"
)

// syncNow is "Sync now": it queues a catalog sync of the caller's partner
// (pressed twice, it is still one sync) and answers its progress, which
// the page then polls.
func (h *handler) syncNow(w http.ResponseWriter, r *http.Request) {
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	then := web.LocalPath(form.Get("then"))
	h.startJob(w, r, syncrun.SyncArgs{PartnerID: callerOf(r).partnerID}, "The sync", then)
}

// startJob inserts a job and answers what follows it: for htmx the waiting
// fragment, otherwise the sync page.
func (h *handler) startJob(w http.ResponseWriter, r *http.Request, args river.JobArgs, what, then string) {
	job, err := h.deps.Queue.Insert(r.Context(), args, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.deps.Logger.Info("job started from the portal", "kind", args.Kind(), "job_id", job.ID, "duplicate", job.Duplicate, "partner_id", callerOf(r).partnerID)
	if !isHTMX(r) {
		target := "/sync?" + url.Values{"job": {strconv.FormatInt(job.ID, 10)}}.Encode()
		if then != "" {
			target = then
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	h.fragment(w, r, http.StatusOK, viewSync, "job-waiting", jobWaiting{JobID: job.ID, What: what, Then: then})
}
