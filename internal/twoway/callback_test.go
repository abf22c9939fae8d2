package twoway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/push"
	"halobridge/internal/store"
	"halobridge/internal/twoway"
	"halobridge/internal/wait"
)

const pushToken = "push-token-of-the-vendor"

// vendor is a push API vendor's callback endpoint: it checks each request's signature as
// the OpenAPI file tells vendors to, and answers with status (200 unless set).
type vendor struct {
	mu       sync.Mutex
	status   int
	received []received
	url      string
}

type received struct {
	body        []byte
	delivery    string
	signatureOK bool
}

func newVendor(t *testing.T, status int) *vendor {
	v := &vendor{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(pushToken))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		v.mu.Lock()
		v.received = append(v.received, received{body: body, delivery: r.Header.Get("X-Halobridge-Delivery"),
			signatureOK: r.Method == http.MethodPost && hmac.Equal([]byte(r.Header.Get("X-Halobridge-Signature")), []byte(want))})
		v.mu.Unlock()
		w.WriteHeader(v.status)
		_, _ = io.WriteString(w, `{"error":"vendor is down for maintenance"}`)
	}))
	t.Cleanup(srv.Close)
	v.url = srv.URL + "/halobridge/callback"
	return v
}

func (v *vendor) got() []received {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]received(nil), v.received...)
}

// pushTicket adds a push source whose callback URL is the vendor's, stores two alerts of
// one host as the push API would, and delivers them: the one ticket they make.
func (s *scene) pushTicket(t *testing.T, callbackURL string) (store.Source, store.TicketLink) {
	t.Helper()
	src, err := s.store.CreateSource(s.ctx, store.Source{PartnerID: s.partner.ID, Kind: source.Push, Name: "Acme EDR", Secret: pushToken})
	if err != nil {
		t.Fatal(err)
	}
	up, err := (&connect.Sources{Store: s.store, Outbound: outboundLocal()}).UpdateSource(s.ctx, s.partner.ID, src.ID, connect.SourceChange{CallbackURL: &callbackURL})
	if err != nil {
		t.Fatalf("set the callback URL: %v", err)
	}
	if _, err := s.store.SaveMapping(s.ctx, store.Mapping{PartnerID: s.partner.ID, SourceID: src.ID, CustomerID: "cust-7",
		ClientID: s.client.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	var alerts []source.Alert
	for _, id := range []string{"edr-901", "edr-902"} {
		alerts = append(alerts, source.Alert{Source: source.Push, CustomerID: "cust-7", Type: "av", Severity: source.SeverityHigh,
			HostName: "FIN-LT-04", OccurredAt: time.Now().UTC(), Fingerprint: "push:cust-7:alert:" + id,
			EventID: "push:cust-7:alert:" + id, Raw: json.RawMessage(`{}`)})
	}
	if _, err := s.store.StoreInbound(s.ctx, []store.InboundBatch{{PartnerID: s.partner.ID, SourceID: src.ID,
		ReceivedAt: time.Now().Add(-time.Minute), Alerts: alerts}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.delivery.Deliver(s.ctx, s.partner.ID); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	link, err := s.store.LinkForFingerprint(s.ctx, s.partner.ID, "push:cust-7:alert:edr-902")
	if err != nil || link.State != store.LinkOpen || link.TicketID == 0 {
		t.Fatalf("the alerts' link = %+v, %v; want an open ticket", link, err)
	}
	return up.Source, link
}

// during says at, read to the second, is not before from and not after now.
func during(at, from time.Time) bool {
	return !at.Before(from) && !at.After(time.Now())
}

func TestPushCallback(t *testing.T) {
	t.Parallel()

	t.Run("ClosingAndReopeningTheTicketPostsSignedCallbacksToTheVendor", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
			t.Fatal(err)
		}
		v := newVendor(t, http.StatusOK)
		src, link := s.pushTicket(t, v.url)
		sarah := s.agent(t)

		// Times in the callback are to the second: the close happened in
		// this second or after, and before the callback was read.
		closing := time.Now().Truncate(time.Second)
		s.setStatus(t, sarah, link.TicketID, 9, "Quarantined; the file was a false positive.")
		wait.For(t, "the vendor's callback", func() bool { return len(v.got()) == 1 })
		got := v.got()[0]
		if !got.signatureOK || got.delivery == "" {
			t.Fatalf("callback signed correctly = %v, delivery %q; want a valid signature and a delivery id", got.signatureOK, got.delivery)
		}
		var cb struct {
			AlertIDs []string `json:"alert_ids"`
			TicketID int      `json:"ticket_id"`
			Status   string   `json:"status"`
			ClosedBy string   `json:"closed_by"`
			ClosedAt string   `json:"closed_at"`
			Note     string   `json:"note"`
		}
		if err := json.Unmarshal(got.body, &cb); err != nil {
			t.Fatalf("callback body %s: %v", got.body, err)
		}
		at, err := time.Parse(time.RFC3339, cb.ClosedAt)
		if strings.Join(cb.AlertIDs, ",") != "edr-901,edr-902" || cb.TicketID != link.TicketID || cb.Status != "closed" ||
			cb.ClosedBy != "Sarah Mitchell" || cb.Note != "Quarantined; the file was a false positive." || err != nil || !during(at, closing) {
			t.Fatalf("callback = %s", got.body)
		}
		wait.For(t, "the change to be recorded as told", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState == store.SourceDone && strings.Contains(c[0].SourceDetail, v.url)
		})

		api := pushAPI(t, s)
		bearer := src.Token + "." + pushToken
		status, state := api.alert(t, bearer, "edr-901", "cust-7")
		if status != http.StatusOK || state.State != "closed" || state.TicketID == nil || *state.TicketID != link.TicketID || state.ID != "edr-901" {
			t.Fatalf("GET the closed alert = %d %+v, want its ticket closed", status, state)
		}
		if at, err := time.Parse(time.RFC3339, state.ChangedAt); err != nil || !during(at, closing) {
			t.Errorf("changed_at %q: %v", state.ChangedAt, err)
		}

		s.setStatus(t, sarah, link.TicketID, 1, "It came back.")
		wait.For(t, "the reopened callback", func() bool { return len(v.got()) == 2 })
		if status, state := api.alert(t, bearer, "edr-902", "cust-7"); status != http.StatusOK || state.State != "open" || *state.TicketID != link.TicketID {
			t.Errorf("GET the reopened alert = %d %+v, want its ticket open", status, state)
		}
		for _, c := range []struct {
			bearer, id, customer string
			want                 int
		}{
			{bearer, "edr-999", "cust-7", http.StatusNotFound},
			{bearer, "edr-901", "cust-8", http.StatusNotFound},
			{bearer, "edr-901", "", http.StatusBadRequest},
			{bearer, strings.Repeat("x", 201), "cust-7", http.StatusBadRequest},
			{src.Token + ".wrong", "edr-901", "cust-7", http.StatusUnauthorized},
		} {
			if status, _ := api.alert(t, c.bearer, c.id, c.customer); status != c.want {
				t.Errorf("GET alert %.20q of %q = %d, want %d", c.id, c.customer, status, c.want)
			}
		}
		second := v.got()[1]
		if !second.signatureOK || second.delivery == got.delivery || !strings.Contains(string(second.body), `"status":"reopened"`) {
			t.Fatalf("second callback %s (delivery %q, signed %v), want a new signed reopened one", second.body, second.delivery, second.signatureOK)
		}
	})

	t.Run("AFailingVendorIsRetriedWithTheSameDeliveryThenRaisesTheEvent", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		s.svc.RetryAttempts, s.svc.RetryBackoff = 3, 10*time.Millisecond
		if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
			t.Fatal(err)
		}
		v := newVendor(t, http.StatusServiceUnavailable)
		src, link := s.pushTicket(t, v.url)
		s.setStatus(t, s.agent(t), link.TicketID, 9, "Done.")
		wait.For(t, "the callback's event", func() bool {
			evs, _ := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventPushCallback})
			return len(evs) == 1
		})
		got := v.got()
		if len(got) != 3 || got[0].delivery != got[2].delivery || string(got[0].body) != string(got[2].body) || !got[2].signatureOK {
			t.Fatalf("vendor got %d attempts, want 3 of the same signed delivery", len(got))
		}
		evs, _ := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventPushCallback})
		e := evs[0]
		if !strings.Contains(e.Message, v.url) || !strings.Contains(e.Message, "503") || !strings.Contains(e.Message, "vendor is down for maintenance") ||
			!strings.Contains(e.Fix, "callback URL") || !strings.Contains(e.Subject, src.Name) {
			t.Fatalf("event = %+v, want it to name the URL, the vendor's answer and what to do", e)
		}
		wait.For(t, "the change to be recorded as failed", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState == store.SourceFailed
		})

		// A Recheck with the same URL finds it still failing; once the URL is corrected, the
		// event clears.
		ev := &events.Service{Store: s.store}
		if after, err := ev.Recheck(s.ctx, s.partner.ID, e.ID); err != nil || after.State != store.EventOpen {
			t.Fatalf("recheck with the same URL = %+v, %v; want the event open", after, err)
		}
		fixed := newVendor(t, http.StatusOK).url
		if _, err := (&connect.Sources{Store: s.store, Outbound: outboundLocal()}).UpdateSource(s.ctx, s.partner.ID, src.ID,
			connect.SourceChange{CallbackURL: &fixed}); err != nil {
			t.Fatal(err)
		}
		if after, err := ev.Recheck(s.ctx, s.partner.ID, e.ID); err != nil || after.State != store.EventResolved {
			t.Fatalf("recheck with a corrected URL = %+v, %v; want the event resolved", after, err)
		}
	})

	t.Run("TheOutboundGuardRefusesALocalCallbackURLUnlessTheOperatorOpenedIt", func(t *testing.T) {
		t.Parallel()
		st := openStore(t)
		p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Guarded MSP"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR", Secret: pushToken})
		if err != nil {
			t.Fatal(err)
		}
		target := "http://127.0.0.1:9/callback"
		_, err = (&connect.Sources{Store: st}).UpdateSource(t.Context(), p.ID, src.ID, connect.SourceChange{CallbackURL: &target})
		var field *connect.FieldError
		if !errors.As(err, &field) || field.Field != "callback_url" {
			t.Fatalf("UpdateSource with %s under the default policy = %v, want the callback_url refused", target, err)
		}
		secure := "https://127.0.0.1/callback"
		if _, err = (&connect.Sources{Store: st}).UpdateSource(t.Context(), p.ID, src.ID, connect.SourceChange{CallbackURL: &secure}); !errors.As(err, &field) {
			t.Fatalf("UpdateSource with %s = %v, want a loopback address refused", secure, err)
		}
		// A URL saved while the policy allowed it is still refused when sent under one that does not.
		if _, err = (&connect.Sources{Store: st, Outbound: outboundLocal()}).UpdateSource(t.Context(), p.ID, src.ID, connect.SourceChange{CallbackURL: &target}); err != nil {
			t.Fatal(err)
		}
		svc := &twoway.Service{Store: st, Sources: &connect.Sources{Store: st}}
		err = svc.SendCallback(context.Background(), twoway.CallbackArgs{PartnerID: p.ID, SourceID: src.ID, Delivery: "d1", Body: `{}`}, false)
		if err == nil || !strings.Contains(err.Error(), "will not connect") {
			t.Fatalf("SendCallback = %v, want the guard's refusal", err)
		}
	})
}

// pushAPIServer is halobridge's push API on real HTTP.
type pushAPIServer struct{ url string }

func pushAPI(t *testing.T, s *scene) pushAPIServer {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	rc := ingest.NewReceiver(s.store, ingest.NewCommitter(s.store, 0, logger), ingest.Parsers(), ingest.Options{Logger: logger})
	srv := httptest.NewServer(ingest.NewPushAPI(rc, s.store))
	t.Cleanup(srv.Close)
	return pushAPIServer{url: srv.URL}
}

type alertState struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	TicketID   *int   `json:"ticket_id"`
	State      string `json:"state"`
	ChangedAt  string `json:"changed_at"`
}

// alert is GET /api/push/v1/alerts/{id}?customer_id=...
func (a pushAPIServer) alert(t *testing.T, bearer, id, customer string) (int, alertState) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.url+"/api/push/v1/alerts/"+url.PathEscape(id)+"?customer_id="+url.QueryEscape(customer), nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st alertState
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatalf("GET alert %s: %v", id, err)
		}
	}
	return resp.StatusCode, st
}

// TestCallbackDocumented checks the push API's OpenAPI file shows the callback as sent: its
// example has every field of twoway.Callback and no other.
func TestCallbackDocumented(t *testing.T) {
	t.Parallel()
	var example string
	for _, line := range strings.Split(string(push.OpenAPI), "\n") {
		if ex, ok := strings.CutPrefix(strings.TrimSpace(line), "example: "); ok && strings.HasPrefix(ex, `{"alert_ids"`) {
			example = ex
		}
	}
	dec := json.NewDecoder(strings.NewReader(example))
	dec.DisallowUnknownFields()
	var cb twoway.Callback
	if err := dec.Decode(&cb); err != nil || len(cb.AlertIDs) == 0 || cb.Status != "closed" || cb.ClosedBy == "" {
		t.Fatalf("the documented callback example %q: %+v, %v", example, cb, err)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(example), &fields); err != nil || len(fields) != 6 {
		t.Fatalf("the documented example has %d fields, want the 6 halobridge sends", len(fields))
	}
	for _, h := range []string{twoway.SignatureHeader + ": sha256=<hex>", twoway.DeliveryHeader + ": <id>"} {
		if !strings.Contains(string(push.OpenAPI), h) {
			t.Errorf("the OpenAPI file does not document the header %q", h)
		}
	}
}
