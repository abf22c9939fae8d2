package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// syncView is the sync page: what runs now, and the history.
type syncView struct {
	// Waiting is the job "Sync now" queued, until its run starts.
	Waiting *jobWaiting
	Running []runView
	History []store.SyncRun
	// Budget is the partner's HaloPSA request budget, when known.
	Budget *budgetView
	// Webhook is how HaloPSA tells halobridge about its tickets.
	Webhook webhookView
}

// budgetView is what the HaloPSA request budget of the partner's tenant
// holds, spent by every replica and command.
type budgetView struct {
	connect.BudgetReport
	// WindowText is the window in words ("5 minutes").
	WindowText string
	Shares     []budgetShare
}

// budgetShare is what one priority spent.
type budgetShare struct {
	Name     string
	Requests int
}

// runView is a sync run with its progress; Poll is where a running run's
// fragment asks again every second.
type runView struct {
	Run  store.SyncRun
	Kind string
	Poll string
}

// historyLimit is how many runs the sync page lists.
const historyLimit = 50

func (h *handler) syncPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.syncView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, viewSync, "Sync", "sync", v)
}

func (h *handler) syncView(r *http.Request) (syncView, error) {
	runs, err := h.deps.Store.SyncRuns(r.Context(), callerOf(r).partnerID, "", historyLimit)
	if err != nil {
		return syncView{}, err
	}
	v := syncView{History: runs}
	job, _ := strconv.ParseInt(r.URL.Query().Get("job"), 10, 64)
	started := false
	for _, run := range runs {
		if run.State == store.SyncRunning {
			v.Running = append(v.Running, newRunView(run, "/sync"))
		}
		started = started || run.JobID == job
	}
	if job > 0 && !started {
		v.Waiting = &jobWaiting{JobID: job, What: "The sync", Then: "/sync"}
	}
	v.Budget = h.budget(r)
	v.Webhook, err = h.webhookView(r.Context(), callerOf(r).partnerID)
	return v, err
}

// budget reads the caller's HaloPSA budget; nil when there is none to
// show (no shared budget, no connection) or it cannot be read, which is
// logged: the page is still worth showing.
func (h *handler) budget(r *http.Request) *budgetView {
	if h.deps.Budget == nil {
		return nil
	}
	conn, err := h.deps.Store.HaloConnection(r.Context(), callerOf(r).partnerID)
	if err != nil {
		return nil
	}
	report, err := h.deps.Budget.Report(r.Context(), halo.TenantKey(conn.ResourceURL, conn.Tenant))
	if err != nil {
		h.deps.Logger.Warn("could not read the HaloPSA budget for the sync page", "error", err)
		return nil
	}
	v := &budgetView{BudgetReport: report, WindowText: windowText(report.Window)}
	for _, p := range slices.Backward(halo.RequestPriorities) {
		v.Shares = append(v.Shares, budgetShare{Name: budgetNames[p], Requests: report.ByPriority[p]})
	}
	return v
}

// windowText says a window in words: "5 minutes", "30 seconds".
func windowText(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// budgetNames say what each priority spends its requests on.
var budgetNames = map[halo.RequestPriority]string{
	halo.PriorityTickets:    "tickets",
	halo.PriorityNotes:      "notes",
	halo.PriorityBackground: "syncs and billing",
}

func newRunView(run store.SyncRun, then string) runView {
	v := runView{Run: run, Kind: runKind(run.Kind)}
	if run.State == store.SyncRunning {
		v.Poll = fmt.Sprintf("/sync/runs/%d", run.ID)
		if then != "" {
			v.Poll += "?" + url.Values{"then": {then}}.Encode()
		}
	}
	return v
}

// runKind names a kind of run for people.
func runKind(kind string) string {
	switch kind {
	case store.SyncCatalog:
		return "Sync of HaloPSA and sources"
	case store.SyncBilling:
		return "Billing"
	case store.SyncUsage:
		return "Usage import"
	case store.SyncMapping:
		return "Mapping"
	}
	return kind
}

// runProgress answers the progress fragment of one run of the caller's
// partner; once the run has finished, a page that asked to move on
// ("then") is sent there.
func (h *handler) runProgress(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, fmt.Errorf("run %q: %w", r.PathValue("id"), store.ErrNotFound))
		return
	}
	run, err := h.deps.Store.SyncRun(r.Context(), callerOf(r).partnerID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.progressFragment(w, r, run)
}

func (h *handler) progressFragment(w http.ResponseWriter, r *http.Request, run store.SyncRun) {
	then := web.LocalPath(r.URL.Query().Get("then"))
	if run.State != store.SyncRunning && then != "" && isHTMX(r) {
		w.Header().Set("HX-Redirect", then)
	}
	h.fragment(w, r, http.StatusOK, viewSync, "run-progress", newRunView(run, then))
}

// jobWaiting is a job inserted whose run has not started yet.
type jobWaiting struct {
	JobID int64
	What  string
	Then  string
}

// Poll is where the waiting note asks again every second.
func (j jobWaiting) Poll() string {
	p := fmt.Sprintf("/sync/jobs/%d", j.JobID)
	if j.Then != "" {
		p += "?" + url.Values{"then": {j.Then}}.Encode()
	}
	return p
}

// jobProgress follows a job "Sync now" or "Bill now" inserted: while it
// waits, a waiting note; once its run has started, the run's progress.
func (h *handler) jobProgress(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, fmt.Errorf("job %q: %w", r.PathValue("id"), store.ErrNotFound))
		return
	}
	job, err := h.deps.Queue.Job(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if jobPartner(job) != c.partnerID {
		h.fail(w, r, fmt.Errorf("job %d: %w", id, store.ErrNotFound))
		return
	}
	runs, err := h.deps.Store.SyncRuns(r.Context(), c.partnerID, "", historyLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, run := range runs {
		if run.JobID == id {
			h.progressFragment(w, r, run)
			return
		}
	}
	if job.FinalizedAt != nil {
		// Finished without a run: River gave up on it before it started.
		h.fragment(w, r, http.StatusOK, viewMessage, "flash", flash{Error: fmt.Sprintf("The job did not run (%s). Try again; if it keeps failing, the server log says why.", job.State)})
		return
	}
	h.fragment(w, r, http.StatusOK, viewSync, "job-waiting", jobWaiting{JobID: id, What: jobWhat(job.Kind), Then: web.LocalPath(r.URL.Query().Get("then"))})
}

// jobPartner reads the partner a job is for from its arguments, which
// every partner's job carries as partner_id; 0 when it has none.
func jobPartner(job *rivertype.JobRow) int64 {
	var args struct {
		PartnerID int64 `json:"partner_id"`
	}
	if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
		return 0
	}
	return args.PartnerID
}

func jobWhat(kind string) string {
	if kind == (run.Args{}).Kind() {
		return "The billing run"
	}
	return "The sync"
}
