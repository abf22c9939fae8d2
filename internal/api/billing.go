package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

func (h *handler) getBillingPolicy(w http.ResponseWriter, r *http.Request, partnerID int64) {
	p, err := h.deps.Billing.Policy(r.Context(), partnerID)
	if errors.Is(err, run.ErrNoPolicy) {
		h.fail(w, r, http.StatusNotFound, "not_found", "", "No billing policy has been saved yet.")
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	p.Policy = p.Explicit()
	h.json(w, http.StatusOK, p)
}

// putBillingPolicy validates and saves the billing policy against the
// products the partner's sources report and HaloPSA's items.
func (h *handler) putBillingPolicy(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in run.Policy
	if !h.decode(w, r, &in) {
		return
	}
	checked, err := h.deps.Billing.SavePolicy(r.Context(), partnerID, in)
	var pe *run.PolicyError
	if errors.As(err, &pe) {
		h.json(w, http.StatusBadRequest, fieldErrors(pe.Fields, billingField))
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, checked)
}

// proposeItems lists the HaloPSA items halobridge offers to create for
// products without one.
func (h *handler) proposeItems(w http.ResponseWriter, r *http.Request, partnerID int64) {
	p, err := h.deps.Billing.ProposeItems(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, p)
}

type createItemsInput struct {
	Products []string `json:"products"`
}

// Bounds of the products one request names: more than any partner uses,
// keys longer than any source's.
const (
	maxItemProducts   = 500
	maxProductKeySize = 200
)

// createItems creates HaloPSA items for the products named (all proposed
// when none) and maps them in the policy. A product named that is not
// proposed is the request's fault, and nothing is created.
func (h *handler) createItems(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in createItemsInput
	if !h.decode(w, r, &in) {
		return
	}
	if len(in.Products) > maxItemProducts {
		h.badInput(w, r, "products", fmt.Sprintf("Name at most %d products at once, not %d.", maxItemProducts, len(in.Products)))
		return
	}
	for _, key := range in.Products {
		if len(key) > maxProductKeySize {
			h.badInput(w, r, "products", fmt.Sprintf("A product key has at most %d bytes: see GET /api/v1/billing/items/proposals for the keys.", maxProductKeySize))
			return
		}
	}
	if len(in.Products) > 0 {
		proposals, err := h.deps.Billing.ProposeItems(r.Context(), partnerID)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		proposed := map[string]bool{}
		for _, p := range proposals.Items {
			proposed[p.Product.Key] = true
		}
		var unknown []string
		for _, key := range in.Products {
			if !proposed[key] {
				unknown = append(unknown, strconv.Quote(key))
			}
		}
		if len(unknown) > 0 {
			h.badInput(w, r, "products", fmt.Sprintf("No product in use lacks an item under %s: GET /api/v1/billing/items/proposals "+
				"lists the products halobridge can create items for, with their keys.", strings.Join(unknown, ", ")))
			return
		}
	}
	created, err := h.deps.Billing.CreateItems(r.Context(), partnerID, in.Products)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]any{"created": created})
}

type billingRunInput struct {
	// Month is "YYYY-MM"; empty means the month before this one.
	Month string `json:"month"`
	// DryRun says what would change without writing to HaloPSA.
	DryRun bool `json:"dry_run"`
}

// runBilling runs (or dry-runs) one month now and answers, per client, what
// changed or would change and why.
func (h *handler) runBilling(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in billingRunInput
	if !h.decode(w, r, &in) {
		return
	}
	month := source.MonthOf(time.Now().UTC()).Prev()
	if in.Month != "" {
		m, err := source.ParseMonth(in.Month)
		if err != nil {
			h.badInput(w, r, "month", err.Error())
			return
		}
		month = m
	}
	res, err := h.deps.Billing.Run(r.Context(), partnerID, month, in.DryRun)
	var pe *run.PolicyError
	switch {
	case errors.As(err, &pe):
		h.json(w, http.StatusConflict, fieldErrors(pe.Fields, billingField))
	case errors.Is(err, run.ErrNoPolicy):
		h.fail(w, r, http.StatusConflict, "no_policy", "", "Save a billing policy first.")
	case err != nil:
		h.failErr(w, r, err)
	default:
		h.json(w, http.StatusOK, res)
	}
}

// listBillingRuns answers the last billing runs, newest first.
func (h *handler) listBillingRuns(w http.ResponseWriter, r *http.Request, partnerID int64) {
	limit, ok := h.queryInt(w, r, "limit")
	if !ok {
		return
	}
	runs, err := h.deps.Store.BillingRuns(r.Context(), partnerID, limit)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]any{"runs": runs})
}

// listBillingCorrections answers the billing history of corrections, newest
// first: months whose usage changed after they were written, the old and
// new figure and what billing did.
func (h *handler) listBillingCorrections(w http.ResponseWriter, r *http.Request, partnerID int64) {
	limit, ok := h.queryInt(w, r, "limit")
	if !ok {
		return
	}
	corrections, err := h.deps.Store.BillingCorrections(r.Context(), partnerID, limit)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if corrections == nil {
		corrections = []store.BillingCorrection{}
	}
	h.json(w, http.StatusOK, map[string]any{"corrections": corrections})
}

func billingField(f billing.FieldError) (string, string) { return f.Field, f.Message }
