package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"halobridge/internal/billing/run"
	"halobridge/internal/source"
)

// dryRun runs billing for a month without writing anything and shows the
// reconciliation: each line HaloPSA holds against halobridge's, and why.
// Without htmx the browser goes back to the billing page, which shows the
// last dry run.
func (h *handler) dryRun(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	month, ok := h.formMonth(w, r)
	if !ok {
		return
	}
	res, err := h.deps.Billing.Run(r.Context(), c.partnerID, month, true)
	if err != nil {
		h.billingProblem(w, r, err)
		return
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/billing?"+url.Values{"run": {strconv.FormatInt(res.RunID, 10)}}.Encode(), http.StatusSeeOther)
		return
	}
	root, err := h.deps.Halo.Root(r.Context(), c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items, err := h.itemNames(r.Context(), c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, http.StatusOK, viewBilling, "dry-run", newDryRunView(res, root, items))
}

// billNow queues the real billing of a month, followed like a sync.
func (h *handler) billNow(w http.ResponseWriter, r *http.Request) {
	month, ok := h.formMonth(w, r)
	if !ok {
		return
	}
	h.startJob(w, r, run.Args{PartnerID: callerOf(r).partnerID, Month: month}, "The billing run", "/billing")
}

func (h *handler) formMonth(w http.ResponseWriter, r *http.Request) (source.Month, bool) {
	form, ok := parseForm(w, r)
	if !ok {
		return source.Month{}, false
	}
	month, err := billableMonth(form.Get("month"), h.deps.Now())
	if err != nil {
		h.problem(w, r, http.StatusUnprocessableEntity, capitalise(err.Error())+".")
		return source.Month{}, false
	}
	return month, true
}

// billableMonth reads a month to bill: "YYYY-MM", and over by now.
func billableMonth(s string, now time.Time) (source.Month, error) {
	month, err := source.ParseMonth(s)
	if err != nil {
		return source.Month{}, errors.New("choose a month, as YYYY-MM")
	}
	if !month.Before(source.MonthOf(now.UTC())) {
		return source.Month{}, fmt.Errorf("%s is not over yet: a month is billed once it is complete", monthLabel(month))
	}
	return month, nil
}

// billingProblem says why a run could not be made, where a person can act.
func (h *handler) billingProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, run.ErrNoPolicy) {
		h.problem(w, r, http.StatusConflict, "Save the billing step of the setup first.")
		return
	}
	h.fail(w, r, err)
}
