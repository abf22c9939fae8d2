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

	t.Run("RecordsCorrectionsWithTheLedgerThatAppliesThem", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Beta IT", "beta")
		aug, sep := source.Month{Year: 2026, Month: time.August}, source.Month{Year: 2026, Month: time.September}
		set := store.BillingCorrection{RunID: 7, ClientID: 11, ClientName: "Acme Ltd", ItemID: 1401, ItemName: "Endpoint Security", Month: sep,
			Old: 42, New: 45, Action: "September corrected from 42 to 45 before it was invoiced: the line now bills 45 for it"}
		carried := store.BillingCorrection{RunID: 7, ClientID: 11, ClientName: "Acme Ltd", ItemID: 1402, ItemName: "EDR", Month: aug,
			Old: 3.5, New: 2.25, Carried: true, Action: "August corrected from 3.5 to 2.25 after it was invoiced: -1.25 carried to October"}
		saved, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, InvoiceID: -94, Ledger: json.RawMessage(`{"client_id":11}`)}, set, carried)
		if err != nil {
			t.Fatalf("SaveBillingLedger: %v", err)
		}
		later := store.BillingCorrection{RunID: 8, ClientID: 12, ClientName: "Beta Ltd", ItemID: 1401, ItemName: "Endpoint Security", Month: sep,
			Old: 5, New: 4, Carried: true, Action: "September corrected from 5 to 4 after it was invoiced: -1 carried to October"}
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 12, Ledger: json.RawMessage(`{"client_id":12}`)}, later); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, InvoiceID: -94, Ledger: json.RawMessage(`{"client_id":11}`)}); err != nil {
			t.Fatalf("a ledger saved without corrections: %v", err)
		}

		got, err := b.store.BillingCorrections(b.ctx, p.ID, 10)
		if err != nil {
			t.Fatalf("BillingCorrections: %v", err)
		}
		if len(got) != 3 {
			t.Fatalf("BillingCorrections = %+v, want 3 corrections", got)
		}
		for i, want := range []store.BillingCorrection{later, carried, set} {
			c := got[i]
			if c.ID == 0 || c.PartnerID != p.ID || c.CorrectedAt.IsZero() {
				t.Errorf("correction %d: id %d, partner %d, corrected at %v", i, c.ID, c.PartnerID, c.CorrectedAt)
			}
			want.ID, want.PartnerID, want.CorrectedAt = c.ID, p.ID, c.CorrectedAt
			if c != want {
				t.Errorf("correction %d reads back as %+v, want %+v", i, c, want)
			}
		}
		if !got[1].CorrectedAt.Equal(saved.UpdatedAt) {
			t.Errorf("corrected at %v, the ledger saved at %v", got[1].CorrectedAt, saved.UpdatedAt)
		}
		if got[0].ID <= got[1].ID || got[1].ID <= got[2].ID {
			t.Errorf("not newest first: ids %d, %d, %d", got[0].ID, got[1].ID, got[2].ID)
		}
		if newest, err := b.store.BillingCorrections(b.ctx, p.ID, 1); err != nil || len(newest) != 1 || newest[0].ClientID != 12 {
			t.Errorf("the newest correction: %+v, %v", newest, err)
		}
		if none, err := b.store.BillingCorrections(b.ctx, other.ID, 0); err != nil || len(none) != 0 {
			t.Errorf("the other partner's corrections: %+v, %v", none, err)
		}
	})

	t.Run("RefusesACorrectionOfAnotherClientAndSavesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		sep := source.Month{Year: 2026, Month: time.September}
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, Ledger: json.RawMessage(`{"client_id":11}`)}); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]store.BillingCorrection{
			"another client": {ClientID: 12, ItemID: 1401, Month: sep},
			"no month":       {ClientID: 11, ItemID: 1401},
			"no item":        {ClientID: 11, Month: sep},
		} {
			_, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, Ledger: json.RawMessage(`{"client_id":11,"through":"2026-09"}`)},
				store.BillingCorrection{ClientID: 11, ItemID: 1402, Month: sep}, c)
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		ledgers, err := b.store.BillingLedgers(b.ctx, p.ID)
		if err != nil || len(ledgers) != 1 || string(ledgers[0].Ledger) != `{"client_id":11}` {
			t.Errorf("the ledger after refused saves: %+v, %v", ledgers, err)
		}
		if got, err := b.store.BillingCorrections(b.ctx, p.ID, 10); err != nil || len(got) != 0 {
			t.Errorf("corrections after refused saves: %+v, %v", got, err)
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
		if _, err := b.store.SaveBillingLedger(b.ctx, store.BillingLedger{PartnerID: p.ID, ClientID: 11, Ledger: json.RawMessage(`{}`)},
			store.BillingCorrection{ClientID: 11, ItemID: 1401, Month: source.Month{Year: 2026, Month: time.September}, Old: 1, New: 2}); err != nil {
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
		if corrections, err := b.store.BillingCorrections(b.ctx, p.ID, 10); err != nil || len(corrections) != 0 {
			t.Errorf("corrections after DeletePartner: %+v, %v", corrections, err)
		}
	})
}
