// Package setup holds the rules of the setup wizard that the portal's
// pages and the JSON API share: what the integration step needs and
// completing it with the first sync, Test Connection's report, the billing
// and ticketing steps counted as saved with their policies, and what
// activation still needs, in the wizard's words.
package setup

import (
	"context"
	"errors"
	"log/slog"

	"github.com/riverqueue/river"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
)

// IntegrationMissing says what the integration step still lacks, by field:
// halo, source and consent.
func IntegrationMissing(haloConnected bool, sources int, consented bool) connect.FieldErrors {
	errs := connect.FieldErrors{}
	if !haloConnected {
		errs.Add("halo", "connect HaloPSA first")
	}
	if sources == 0 {
		errs.Add("source", "connect GravityZone, DefensX or the push API first")
	}
	if !consented {
		errs.Add("consent", "tick the box to agree: halobridge cannot work without reading your HaloPSA")
	}
	return errs
}

// Queue takes the first sync's job; *jobs.Queue is one.
type Queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (jobs.JobInfo, error)
}

// CompleteIntegration records the consent of the account (0 for an API
// token) named by, and the step, and starts the first sync, whose catalog
// the next steps choose from.
func CompleteIntegration(ctx context.Context, st *store.Store, q Queue, partnerID, accountID int64, by string) (store.SetupProgress, jobs.JobInfo, error) {
	if _, err := st.RecordConsent(ctx, partnerID, accountID, by); err != nil {
		return store.SetupProgress{}, jobs.JobInfo{}, err
	}
	progress, err := st.CompleteSetupStep(ctx, partnerID, store.SetupIntegration)
	if err != nil {
		return store.SetupProgress{}, jobs.JobInfo{}, err
	}
	job, err := q.Insert(ctx, syncrun.SyncArgs{PartnerID: partnerID}, nil)
	return progress, job, err
}

// Checks is Test Connection's report: a line per capability, or why the
// test could not run.
type Checks struct {
	Report *halo.TestReport
	Error  string
}

// TestHalo is Test Connection of the partner's stored HaloPSA connection.
func TestHalo(ctx context.Context, ev *events.Service, partnerID int64, logger *slog.Logger) Checks {
	report, err := ev.TestHalo(ctx, partnerID)
	switch {
	case errors.Is(err, connect.ErrNotConnected):
		return Checks{Error: "Connect HaloPSA first: log in with HaloPSA, or enter a Client ID and Secret below."}
	case err != nil && len(report.Checks) == 0:
		return Checks{Error: "halobridge could not use the stored connection: " + err.Error()}
	case err != nil:
		logger.Error("could not record what Test Connection found", "partner_id", partnerID, "error", err)
	}
	return Checks{Report: &report}
}

// StepsFromPolicies counts the billing and ticketing steps as saved when
// their policies are, however they were saved: the JSON API saves them
// without the wizard.
func StepsFromPolicies(ctx context.Context, st *store.Store, bills *run.Service, tickets *deliver.Service, partnerID int64) error {
	progress, err := st.SetupProgress(ctx, partnerID)
	if err != nil {
		return err
	}
	if !progress.Done(store.SetupBilling) {
		p, err := bills.Policy(ctx, partnerID)
		switch {
		case errors.Is(err, run.ErrNoPolicy):
		case err != nil:
			return err
		case p.Mode == billing.ModeCreate || p.Mode == billing.ModeAppend:
			if _, err := st.CompleteSetupStep(ctx, partnerID, store.SetupBilling); err != nil {
				return err
			}
		}
	}
	if !progress.Done(store.SetupTicketing) {
		_, err := tickets.Policy(ctx, partnerID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			if _, err := st.CompleteSetupStep(ctx, partnerID, store.SetupTicketing); err != nil {
				return err
			}
		}
	}
	return nil
}

// MissingWords says what activation still needs, in the wizard's words.
func MissingWords(missing []string) string {
	words := map[string]string{
		store.SetupIntegration: "save the Integration step",
		store.SetupBilling:     "save the Billing step",
		store.SetupTicketing:   "save the Ticketing step",
		"consent":              "agree to halobridge collecting and processing your HaloPSA data (Integration step)",
	}
	out := ""
	for i, m := range missing {
		if i > 0 {
			out += "; "
		}
		out += words[m]
	}
	return out
}
