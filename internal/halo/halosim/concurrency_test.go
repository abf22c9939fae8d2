package halosim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConcurrentInvoiceWrites refuses a write to a recurring invoice while another write to
// it is in flight, as HaloPSA's optimistic concurrency does; writes to another invoice, and
// writes after the first is answered, go through.
func TestConcurrentInvoiceWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	inv := invoiceWithLines(t, b)
	var other RecurringInvoice
	for _, i := range b.sim.RecurringInvoices() {
		if i.ID != inv.ID && len(i.Lines) > 0 {
			other = i
		}
	}
	if other.ID == 0 {
		t.Fatal("the seed has one invoice with lines only")
	}
	update := func(line InvoiceLine, qty int) string {
		raw, _ := json.Marshal([]map[string]any{{"id": line.ID, "qty_order": qty}})
		return string(raw)
	}

	// The first write hangs in flight until its request is cancelled.
	b.sim.InjectFault(Fault{Method: http.MethodPost, PathPrefix: "/api/RecurringInvoice/updatelines", Hang: true, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	hung := make(chan struct{})
	go func() {
		defer close(hung)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+"/api/RecurringInvoice/updatelines", strings.NewReader(update(inv.Lines[0], 5)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.sim.writes.mu.Lock()
		n := b.sim.writes.inFlight[inv.ID]
		b.sim.writes.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first write never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}

	wantHaloException := func(r response) {
		t.Helper()
		wantStatus(t, r, http.StatusBadRequest)
		got := decode[exception](t, r)
		if got.ClassName != "Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException" ||
			!strings.Contains(got.Message, "expected to affect 1 row(s), but actually affected 0 row(s)") {
			t.Fatalf("answer = %+v", got)
		}
	}
	wantHaloException(b.send(t, "POST", "/api/RecurringInvoice/updatelines", tok, update(inv.Lines[1], 6)))
	wantHaloException(b.send(t, "POST", "/api/RecurringInvoice/Lines", tok, `[{"ihid":`+itoa(inv.ID)+`,"item_shortdescription":"x","qty_order":1}]`))
	wantStatus(t, b.send(t, "POST", "/api/RecurringInvoice/updatelines", tok, update(other.Lines[0], 7)), http.StatusCreated)

	cancel()
	<-hung
	deadline = time.Now().Add(30 * time.Second)
	for {
		r := b.send(t, "POST", "/api/RecurringInvoice/updatelines", tok, update(inv.Lines[1], 8))
		if r.status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes to the invoice stay refused after the first was answered: %d %s", r.status, r.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, _ := b.sim.RecurringInvoice(inv.ID); got.Lines[1].QtyOrder != 8 {
		t.Fatalf("line = %+v", got.Lines[1])
	}
}
