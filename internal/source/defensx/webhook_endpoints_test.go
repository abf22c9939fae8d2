package defensx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

func readWebhook(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestParseWebhookEndpointChanges(t *testing.T) {
	t.Parallel()
	const (
		agent    = "fdceb72a-c274-4844-8b74-a0c74a8018e5"
		customer = "c062a202-e090-4e57-ba88-d74dfd2e3455"
	)
	installed := source.Endpoint{ID: agent, CustomerID: customer, Name: "WIN10-4", OS: "Windows", Managed: true}
	uninstalled := installed
	uninstalled.Managed = false
	for _, tc := range []struct {
		name, file string
		want       []source.EndpointChange
	}{
		{"CreateAddsAnInstalledAgent", "agent-create.json",
			[]source.EndpointChange{{Endpoint: installed, At: time.Unix(1677237885, 0).UTC()}}},
		{"UninstallKeepsTheAgentAsTheAgentListDoesUnmanaged", "agent-uninstall.json",
			[]source.EndpointChange{{Endpoint: uninstalled, At: time.Unix(1677238000, 0).UTC()}}},
		{"ReinstallMakesItInstalledAgain", "agent-reinstall.json",
			[]source.EndpointChange{{Endpoint: installed, At: time.Unix(1677239000, 0).UTC()}}},
		{"DeleteRemovesIt", "agent-delete.json",
			[]source.EndpointChange{{Endpoint: uninstalled, Removed: true, At: time.Unix(1677240000, 0).UTC()}}},
		{"CleansControlCharactersAndTakesTheProductWithoutPlatform", "agent-create-control-characters.json",
			[]source.EndpointChange{{Endpoint: source.Endpoint{ID: agent + "\uFFFD", CustomerID: customer, Name: "WIN10-4\uFFFD",
				OS: "Windows\uFFFD 10 Pro", Managed: true}, At: time.Unix(1677237885, 0).UTC()}}},
		{"ChangesNothingWithoutAnAgentId", "agent-create-no-id.json", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, agents, err := defensx.ParseWebhook(nil, readWebhook(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(agents) != 1 || len(in.Alerts) != 0 {
				t.Fatalf("the event gave %d agent events and %d alerts, want 1 and 0", len(agents), len(in.Alerts))
			}
			if diff := cmp.Diff(tc.want, in.Endpoints); diff != "" {
				t.Errorf("endpoint changes (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("CutsAHugeHostnameAndRefusesAHugeId", func(t *testing.T) {
		t.Parallel()
		body := string(readWebhook(t, "agent-create.json"))
		huge := strings.Replace(body, `"WIN10-4"`, `"`+strings.Repeat("é", 100_000)+`"`, 1)
		in, _, err := defensx.ParseWebhook(nil, []byte(huge))
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Endpoints) != 1 || in.Endpoints[0].Endpoint.Name != strings.Repeat("é", source.MaxEndpointTextBytes/2) {
			t.Errorf("huge hostname: %d changes, name of %d bytes; want 1 named by %d bytes of it", len(in.Endpoints), len(in.Endpoints[0].Endpoint.Name), source.MaxEndpointTextBytes)
		}
		longID := strings.Replace(body, agent, strings.Repeat("a", source.MaxIDBytes+1), 1)
		if in, agents, err := defensx.ParseWebhook(nil, []byte(longID)); err != nil || len(agents) != 1 || len(in.Endpoints) != 0 {
			t.Errorf("id over %d bytes: %d changes, %d agent events, err %v; want no change, the event kept", source.MaxIDBytes, len(in.Endpoints), len(agents), err)
		}
	})
	t.Run("BoundsAHugeCustomerIdAsAlertsDo", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("c", 5000)
		body := strings.Replace(string(readWebhook(t, "agent-create.json")), customer, long, 1)
		in, _, err := defensx.ParseWebhook(nil, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		alert := source.Alert{CustomerID: long}
		alert.Clean()
		if len(in.Endpoints) != 1 || in.Endpoints[0].Endpoint.CustomerID != alert.CustomerID {
			t.Errorf("changes %+v; want one filed under the alert's customer id %q", in.Endpoints, alert.CustomerID)
		}
	})
	t.Run("ConnectorParseInboundKeepsTheChange", func(t *testing.T) {
		t.Parallel()
		conn, err := defensx.NewConnector(defensx.Config{APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := conn.ParseInbound(nil, readWebhook(t, "agent-delete.json"))
		if err != nil || len(in.Alerts) != 0 || len(in.Endpoints) != 1 || !in.Endpoints[0].Removed {
			t.Fatalf("inbound %+v, err %v; want one removal and no alert", in, err)
		}
	})
}

// TestAgentWebhooksAgreeWithTheAgentList checks that the endpoint changes
// Agent.* notifications make leave what the next sync lists: the simulator
// notifies each event and lists the customer's agents after it.
func TestAgentWebhooksAgreeWithTheAgentList(t *testing.T) {
	t.Parallel()
	b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}}})
	rcv := newReceiver(t, "s")
	b.sim.SetWebhook(rcv.srv.URL+"?secret=s", nil)
	// kept is what a store holds after the sync and the notifications since.
	kept := map[string]source.Endpoint{}
	listed, err := b.conn.Endpoints(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range listed {
		kept[e.ID] = e
	}
	for _, ev := range []dxsim.AgentEvent{
		{Event: defensx.EventAgentCreate, ID: "a-new", Hostname: "BHD-PC-09", Platform: "Windows", Product: "Windows 11 Pro"},
		{Event: defensx.EventAgentUninstall, ID: "a-new"},
		{Event: defensx.EventAgentReinstall, ID: "a-new", Hostname: "BHD-PC-09"},
		{Event: defensx.EventAgentUninstall, ID: listed[0].ID},
		{Event: defensx.EventAgentDelete, ID: "a-new"},
	} {
		if _, err := b.sim.SendAgentEvent(t.Context(), "c1", ev); err != nil {
			t.Fatal(err)
		}
		bodies := rcv.received()
		in, _, err := defensx.ParseWebhook(nil, bodies[len(bodies)-1])
		if err != nil || len(in.Endpoints) != 1 {
			t.Fatalf("%s: changes %+v, err %v", ev.Event, in.Endpoints, err)
		}
		c := in.Endpoints[0]
		if c.Removed {
			delete(kept, c.Endpoint.ID)
		} else {
			kept[c.Endpoint.ID] = c.Endpoint
		}
		listed, err := b.conn.Endpoints(t.Context(), "c1")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]source.Endpoint{}
		for _, e := range listed {
			want[e.ID] = e
		}
		if diff := cmp.Diff(want, kept); diff != "" {
			t.Errorf("after %s of %s, the notifications kept other endpoints than the list has (-list +kept):\n%s", ev.Event, ev.ID, diff)
		}
	}
}
