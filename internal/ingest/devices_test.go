package ingest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

func TestPushDevices(t *testing.T) {
	t.Parallel()
	b := setupBounds(t, Options{})
	auth := "Bearer " + b.pushToken
	put := func(path, body string) (int, string) {
		t.Helper()
		return b.serve(http.MethodPut, path, auth, []byte(body))
	}
	if status, body := put("/api/push/v1/customers", `[{"id":"c-1","name":"Bright Harbor Dental"}]`); status != 200 {
		t.Fatalf("customers: %d %s", status, body)
	}
	devices := func(t *testing.T) []source.Endpoint {
		t.Helper()
		got, err := b.store.SourceEndpoints(t.Context(), b.pushSrc.ID, "c-1")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	status, body := put("/api/push/v1/customers/c-1/devices",
		`{"devices":[{"id":"dev-1","name":"FRONTDESK-02","fqdn":"frontdesk-02.bh.local","ips":["10.0.4.17"],"macs":["00-1A-2B-3C-4D-5E"],"os":"Windows 11 Pro"},{"id":"dev-2","name":"NAS-01"}]}`)
	if status != 200 || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("devices: %d %s", status, body)
	}
	want := []source.Endpoint{
		{ID: "dev-1", CustomerID: "c-1", Name: "FRONTDESK-02", FQDN: "frontdesk-02.bh.local", IPs: []string{"10.0.4.17"}, MACs: []string{"001a2b3c4d5e"}, OS: "Windows 11 Pro", Managed: true},
		{ID: "dev-2", CustomerID: "c-1", Name: "NAS-01", Managed: true},
	}
	if diff := cmp.Diff(want, devices(t)); diff != "" {
		t.Fatalf("stored (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name, path, auth, body string
		status                 int
		says                   string
	}{
		{"RefusesAnUnknownCustomerWith404", "/api/push/v1/customers/c-9/devices", auth, `{"devices":[{"id":"d"}]}`, 404,
			`customer_id \"c-9\" is not a customer of this source: send it with PUT /api/push/v1/customers first`},
		{"RefusesABadMACWith400", "/api/push/v1/customers/c-1/devices", auth, `{"devices":[{"id":"d","macs":["nope"]}]}`, 400,
			`devices[0].macs[0] \"nope\" is not a MAC address`},
		{"RefusesAnotherSourcesToken", "/api/push/v1/customers/c-1/devices", "Bearer " + b.src.Token + ".wrong", `{"devices":[]}`, 401, "unauthorized"},
		{"RefusesAnHostileBodyWith413", "/api/push/v1/customers/c-1/devices", auth, `{"devices":[{"id":"` + strings.Repeat("a", 9<<20) + `"}]}`, 413, "body_too_large"},
	} {
		status, body := b.serve(http.MethodPut, tc.path, tc.auth, []byte(tc.body))
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %.300s; want %d saying %q", tc.name, status, body, tc.status, tc.says)
		}
		if diff := cmp.Diff(want, devices(t)); diff != "" {
			t.Errorf("%s changed what is stored (-want +got):\n%s", tc.name, diff)
		}
	}

	// The whole list is replaced: dev-2 is gone, and [] empties it.
	if status, body := put("/api/push/v1/customers/c-1/devices", `{"devices":[{"id":"dev-1","name":"FRONTDESK-03"}]}`); status != 200 {
		t.Fatalf("second list: %d %s", status, body)
	}
	if got := devices(t); len(got) != 1 || got[0].Name != "FRONTDESK-03" {
		t.Errorf("after the second list: %+v", got)
	}
	if status, body := put("/api/push/v1/customers/c-1/devices", `{"devices":[]}`); status != 200 || len(devices(t)) != 0 {
		t.Errorf("empty list: %d %s, %d devices left", status, body, len(devices(t)))
	}
}
