package push_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/source/push"
)

func TestParseDevices(t *testing.T) {
	t.Parallel()

	t.Run("ReadsDevicesAsManagedEndpoints", func(t *testing.T) {
		t.Parallel()
		customer, got, err := push.ParseDevices(" c-1 ", []byte(`{"devices": [
			{"id": " dev-1 ", "name": "FRONTDESK-02", "label": "Front desk", "fqdn": "frontdesk-02.bh.local",
			 "ips": ["10.0.4.17", "FD00:0:0::1"], "macs": ["00:1A:2B:3C:4D:5E", "001a.2b3c.4d5f"], "os": "Windows 11 Pro"},
			{"id": "dev-2"}
		]}`))
		want := []source.Endpoint{
			{ID: "dev-1", CustomerID: "c-1", Name: "FRONTDESK-02", Label: "Front desk", FQDN: "frontdesk-02.bh.local",
				IPs: []string{"10.0.4.17", "fd00::1"}, MACs: []string{"001a2b3c4d5e", "001a2b3c4d5f"}, OS: "Windows 11 Pro", Managed: true},
			{ID: "dev-2", CustomerID: "c-1", Managed: true},
		}
		if err != nil || customer != "c-1" {
			t.Fatalf("customer %q, %v", customer, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("devices (-want +got):\n%s", diff)
		}
	})

	t.Run("TakesAnEmptyListAsNoDevices", func(t *testing.T) {
		t.Parallel()
		if _, got, err := push.ParseDevices("c-1", []byte(`{"devices": []}`)); err != nil || len(got) != 0 {
			t.Errorf("%v, %v", got, err)
		}
	})

	many := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"d%d"}`, i)
		}
		return `{"devices":[` + strings.Join(items, ",") + `]}`
	}
	thirtyThree := `["` + strings.Repeat(`10.0.0.1","`, 32) + `10.0.0.1"]`
	refusals := []struct {
		name, customer, body, code, field, message string
	}{
		{"RefusesNoCustomer", " ", `{"devices":[]}`, "required", "customer_id", "customer_id is required"},
		{"RefusesAnArray", "c-1", `[{"id":"d1"}]`, "invalid_json", "the body", "the body must be a JSON object"},
		{"RefusesNoDevicesMember", "c-1", `{}`, "required", "devices", "devices is required; send [] for a customer without devices"},
		{"RefusesAMisspeltMember", "c-1", `{"device":[]}`, "unknown_field", "device", "device is not a field of this API"},
		{"RefusesAMissingID", "c-1", `{"devices":[{"id":"d1"},{"name":"PC"}]}`, "required", "devices[1].id", "devices[1].id is required"},
		{"RefusesARepeatedID", "c-1", `{"devices":[{"id":"d1"},{"id":"d1"}]}`, "duplicate", "devices[1].id", `devices[1].id "d1" repeats devices[0].id`},
		{"RefusesAMisspeltField", "c-1", `{"devices":[{"id":"d1","hostname":"PC"}]}`, "unknown_field", "devices[0].hostname", "devices[0].hostname is not a field of this API"},
		{"RefusesAnIPThatIsNot", "c-1", `{"devices":[{"id":"d1","ips":["10.0.0.300"]}]}`, "invalid_value", "devices[0].ips[0]", `devices[0].ips[0] "10.0.0.300" is not an IP address`},
		{"RefusesAMACThatIsNot", "c-1", `{"devices":[{"id":"d1","macs":["00:1A:2B:3C:4D"]}]}`, "invalid_value", "devices[0].macs[0]",
			`devices[0].macs[0] "00:1A:2B:3C:4D" is not a MAC address (12 hex digits, such as 00:1a:2b:3c:4d:5e)`},
		{"RefusesAnEmptyAddress", "c-1", `{"devices":[{"id":"d1","macs":[" "]}]}`, "required", "devices[0].macs[0]", "devices[0].macs[0] is required"},
		{"RefusesTooManyAddresses", "c-1", `{"devices":[{"id":"d1","ips":` + thirtyThree + `}]}`, "too_many_items", "devices[0].ips", "devices[0].ips has 33 items; at most 32 are accepted"},
		{"RefusesALongName", "c-1", `{"devices":[{"id":"d1","name":"` + strings.Repeat("a", 257) + `"}]}`, "invalid_value", "devices[0].name", "devices[0].name is 257 bytes long; at most 256 are accepted"},
		{"RefusesControlCharacters", "c-1", `{"devices":[{"id":"d1","os":"Win\u0007"}]}`, "invalid_value", "devices[0].os", "devices[0].os contains control characters"},
		{"RefusesMoreThan20000", "c-1", many(20001), "too_many_items", "devices", "devices has 20001 items; at most 20000 are accepted per customer"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := push.ParseDevices(tt.customer, []byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}

	t.Run("Takes20000", func(t *testing.T) {
		t.Parallel()
		if _, got, err := push.ParseDevices("c-1", []byte(many(20000))); err != nil || len(got) != 20000 {
			t.Errorf("%d devices, %v", len(got), err)
		}
	})
}
