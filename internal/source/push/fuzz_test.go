package push_test

import (
	"errors"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/source/push"
)

// checkRefusal fails unless err is a *push.Error with a code, a message and a 4xx status.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var e *push.Error
	if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.HTTPStatus() < 400 || e.HTTPStatus() > 499 {
		t.Fatalf("refusal %#v is not a 4xx push.Error", err)
	}
}

func FuzzParseCustomers(f *testing.F) {
	f.Add([]byte(`[{"id":"c-1","name":"A","parent_id":"c-0","domain":"a.example","reseller":true}]`))
	f.Add([]byte(`[{"id":"c-1","name":"A"},{"id":"c-1","name":"B"}]`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := push.ParseCustomers(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		seen := map[string]bool{}
		for _, c := range out {
			if c.ID == "" || c.Name == "" || seen[c.ID] || c.ParentID == c.ID {
				t.Fatalf("accepted %+v", c)
			}
			seen[c.ID] = true
		}
		if len(out) == 0 || len(out) > push.MaxItems {
			t.Fatalf("accepted %d customers", len(out))
		}
	})
}

func FuzzParseUsage(f *testing.F) {
	f.Add([]byte(`[{"customer_id":"c","month":"2026-03","product":"p","quantity":1.5}]`))
	f.Add([]byte(`[{"customer_id":"c","month":"2026-3","product":"p","quantity":-1}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := push.ParseUsage(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		for _, u := range out {
			if u.CustomerID == "" || u.Product == "" || u.Quantity < 0 || u.Month.Year < 2000 {
				t.Fatalf("accepted %+v", u)
			}
		}
	})
}

func FuzzParseAlerts(f *testing.F) {
	f.Add([]byte(oneAlert))
	f.Add([]byte(`{"alerts":[` + oneAlert + `]}`))
	f.Add([]byte(`{"alerts":[{"id":"a","customer_id":"c","type":"t","severity":"info","occurred_at":"2026-03-14T09:00:00Z","facts":{"n":1}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := push.ParseAlerts(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		for _, a := range out {
			if a.Source != source.Push || a.CustomerID == "" || a.Fingerprint == "" || a.EventID == "" || a.OccurredAt.IsZero() {
				t.Fatalf("accepted %+v", a)
			}
			switch a.Severity {
			case source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical:
			default:
				t.Fatalf("accepted severity %q", a.Severity)
			}
		}
	})
}

func FuzzParseResolve(f *testing.F) {
	f.Add("evt-1", []byte(`{"customer_id":"c","reason":"fixed","dedup_key":"k","resolved_at":"2026-03-14T11:02:00Z"}`))
	f.Add("", []byte(`{"resolutions":[{"id":"a","customer_id":"c"}]}`))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		if r, err := push.ParseResolve(id, body); err != nil {
			checkRefusal(t, err)
		} else if r.CustomerID == "" || r.Fingerprint == "" || r.EventID == "" {
			t.Fatalf("accepted %+v", r)
		}
		out, err := push.ParseResolutions(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		for _, r := range out {
			if r.CustomerID == "" || r.Fingerprint == "" || r.EventID == "" {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}
