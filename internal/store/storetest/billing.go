package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testBilling(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("SavesAndReplacesAPolicyAsItWasGiven", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.BillingPolicy(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("policy before any was saved: err = %v, want ErrNotFound", err)
		}
		first := json.RawMessage(`{"mode":"create","products":{"mspSecureMonthlyUsage":{"item_id":1401}}}`)
		if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID, first); err != nil {
			t.Fatalf("SaveBillingPolicy: %v", err)
		}
		second := json.RawMessage(`{"mode":"append",  "products":{}}`)
		saved, err := b.store.SaveBillingPolicy(b.ctx, p.ID, second)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.store.BillingPolicy(b.ctx, p.ID)
		if err != nil {
			t.Fatalf("BillingPolicy: %v", err)
		}
		if string(got.Policy) != string(second) || got.PartnerID != p.ID || !got.UpdatedAt.Equal(saved.UpdatedAt) {
			t.Errorf("read back %s (partner %d, updated %v), want %s as saved at %v", got.Policy, got.PartnerID, got.UpdatedAt, second, saved.UpdatedAt)
		}
	})

	t.Run("RefusesAPolicyThatIsNotJSONOrHasNoPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID, json.RawMessage(`{"mode":`)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("broken JSON: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID+99, json.RawMessage(`{}`)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown partner: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("KeepsOneLedgerPerClientAndListsThemByClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Beta IT", "beta")
		save := func(partnerID int64, clientID, invoiceID int, ledger string) {
			t.Helper()
			if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: partnerID, ClientID: clientID, InvoiceID: invoiceID, Ledger: json.RawMessage(ledger)}); err != nil {
				t.Fatalf("SaveBillingLedger(client %d): %v", clientID, err)
			}
		}
		save(p.ID, 12, 0, `{"client_id":12,"lines":[{"item_id":1401,"name":"Endpoint Security","quantity":3}]}`)
		save(p.ID, 11, -94, `{"client_id":11}`)
		save(p.ID, 12, -95, `{"client_id":12,"invoice_id":-95}`)
		save(other.ID, 11, -200, `{"client_id":11,"invoice_id":-200}`)

		list, err := b.store.BillingLedgers(b.ctx, p.ID)
		if err != nil {
			t.Fatalf("BillingLedgers: %v", err)
		}
		type row struct {
			client, invoice int
			ledger          string
		}
		var got []row
		for _, l := range list {
			got = append(got, row{l.ClientID, l.InvoiceID, string(l.Ledger)})
		}
		want := []row{{11, -94, `{"client_id":11}`}, {12, -95, `{"client_id":12,"invoice_id":-95}`}}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("ledgers of partner %d = %+v, want %+v", p.ID, got, want)
		}
		others, err := b.store.BillingLedgers(b.ctx, other.ID)
		if err != nil || len(others) != 1 || others[0].ClientID != 11 || others[0].InvoiceID != -200 {
			t.Errorf("the other partner's ledgers = %+v, %v", others, err)
		}
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, Ledger: json.RawMessage(`{}`)}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ledger without client: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("RecordsRunsFromStartToFinishNewestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		sep, oct := source.Month{Year: 2026, Month: time.September}, source.Month{Year: 2026, Month: time.October}
		dry, err := b.store.StartBillingRun(b.ctx, store.BillingRun{PartnerID: p.ID, Month: sep, DryRun: true})
		if err != nil {
			t.Fatalf("StartBillingRun: %v", err)
		}
		realRun, err := b.store.StartBillingRun(b.ctx, store.BillingRun{PartnerID: p.ID, Month: oct})
		if err != nil {
			t.Fatal(err)
		}
		running, err := b.store.BillingRun(b.ctx, p.ID, realRun.ID)
		if err != nil {
			t.Fatalf("BillingRun: %v", err)
		}
		if running.Month != oct || running.DryRun || running.StartedAt.IsZero() || !running.FinishedAt.IsZero() || string(running.Result) != "{}" {
			t.Errorf("running run reads back as %+v", running)
		}

		result := json.RawMessage(`{"clients":[{"client_id":11,"sent":true}]}`)
		finished, err := b.store.FinishBillingRun(b.ctx, realRun.ID, result, "")
		if err != nil {
			t.Fatalf("FinishBillingRun: %v", err)
		}
		if finished.FinishedAt.IsZero() || finished.FinishedAt.Before(finished.StartedAt) || string(finished.Result) != string(result) {
			t.Errorf("finished run: %+v", finished)
		}
		if _, err := b.store.FinishBillingRun(b.ctx, realRun.ID, nil, "again"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("finishing twice: err = %v, want ErrConflict", err)
		}
		if _, err := b.store.FinishBillingRun(b.ctx, realRun.ID+99, nil, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("finishing an unknown run: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.FinishBillingRun(b.ctx, dry.ID, nil, "HaloPSA answered 503"); err != nil {
			t.Fatal(err)
		}

		runs, err := b.store.BillingRuns(b.ctx, p.ID, 10)
		if err != nil {
			t.Fatalf("BillingRuns: %v", err)
		}
		if len(runs) != 2 || runs[0].ID != realRun.ID || runs[1].ID != dry.ID || !runs[1].DryRun || runs[1].Month != sep ||
			runs[1].Error != "HaloPSA answered 503" || string(runs[1].Result) != "{}" {
			t.Errorf("BillingRuns = %+v", runs)
		}
		if _, err := b.store.BillingRun(b.ctx, p.ID+1, realRun.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner's run: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.StartBillingRun(b.ctx, store.BillingRun{PartnerID: p.ID}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("run without a month: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("DeletingThePartnerRemovesItsBilling", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID, json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, Ledger: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		run, err := b.store.StartBillingRun(b.ctx, store.BillingRun{PartnerID: p.ID, Month: source.Month{Year: 2026, Month: time.October}})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeletePartner(b.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.BillingPolicy(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("policy after DeletePartner: err = %v", err)
		}
		if ledgers, err := b.store.BillingLedgers(b.ctx, p.ID); err != nil || len(ledgers) != 0 {
			t.Errorf("ledgers after DeletePartner: %+v, %v", ledgers, err)
		}
		if _, err := b.store.BillingRun(b.ctx, p.ID, run.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("run after DeletePartner: err = %v", err)
		}
	})
}
