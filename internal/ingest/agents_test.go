package ingest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

// TestDefensXAgentWebhooksKeepEndpointsCurrent posts DefensX's Agent.*
// webhooks to the ingest endpoint as DefensX does and reads what the store
// keeps of the customer's devices, and of the events themselves.
func TestDefensXAgentWebhooksKeepEndpointsCurrent(t *testing.T) {
	t.Parallel()
	const (
		agent    = "fdceb72a-c274-4844-8b74-a0c74a8018e5"
		customer = "c062a202-e090-4e57-ba88-d74dfd2e3455"
	)
	installed := source.Endpoint{ID: agent, CustomerID: customer, Name: "WIN10-4", OS: "Windows", Managed: true}
	type reply struct{ Stored, Duplicates int }
	setupDX := func(t *testing.T) (post func(body []byte) (int, reply), endpoints func() []source.Endpoint, agentAlerts func() int) {
		b := setupBounds(t, Options{})
		post = func(body []byte) (int, reply) {
			t.Helper()
			status, answer := b.serve(http.MethodPost, "/ingest/"+b.defensX.Token+"?secret=dx-secret", "", body)
			var r reply
			if err := json.Unmarshal([]byte(answer), &r); err != nil {
				t.Fatalf("answer %q: %v", answer, err)
			}
			return status, r
		}
		endpoints = func() []source.Endpoint {
			t.Helper()
			got, err := b.store.SourceEndpoints(t.Context(), b.defensX.ID, customer)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		agentAlerts = func() int {
			t.Helper()
			var n int
			if err := b.store.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM alerts WHERE source_id = $1 AND type = $2", b.defensX.ID, AgentType).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		return post, endpoints, agentAlerts
	}
	read := func(t *testing.T, name string) []byte {
		t.Helper()
		body, err := os.ReadFile(filepath.Join("testdata", "defensx", name))
		if err != nil {
			t.Fatal(err)
		}
		return body
	}

	t.Run("CreateAddsTheAgentAndDeleteRemovesIt", func(t *testing.T) {
		t.Parallel()
		post, endpoints, agentAlerts := setupDX(t)
		if status, r := post(read(t, "agent-create.json")); status != 200 || r.Stored != 1 {
			t.Fatalf("create: %d %+v", status, r)
		}
		if diff := cmp.Diff([]source.Endpoint{installed}, endpoints()); diff != "" {
			t.Fatalf("after the create (-want +got):\n%s", diff)
		}
		uninstalled := installed
		uninstalled.Managed = false
		post(read(t, "agent-uninstall.json"))
		if diff := cmp.Diff([]source.Endpoint{uninstalled}, endpoints()); diff != "" {
			t.Errorf("after the uninstall (-want +got):\n%s", diff)
		}
		post(read(t, "agent-reinstall.json"))
		if diff := cmp.Diff([]source.Endpoint{installed}, endpoints()); diff != "" {
			t.Errorf("after the reinstall (-want +got):\n%s", diff)
		}
		if status, r := post(read(t, "agent-delete.json")); status != 200 || r.Stored != 1 || len(endpoints()) != 0 {
			t.Errorf("delete: %d %+v, endpoints %+v", status, r, endpoints())
		}
		// Each event is recorded as it was before: an agent alert.
		if n := agentAlerts(); n != 4 {
			t.Errorf("%d agent alerts, want 4", n)
		}
	})

	t.Run("ADuplicateDeliveryChangesNothing", func(t *testing.T) {
		t.Parallel()
		post, endpoints, agentAlerts := setupDX(t)
		create := read(t, "agent-create.json")
		post(create)
		// The same event again, spaced otherwise: a redelivery.
		spaced := []byte(strings.ReplaceAll(string(create), `":`, `": `))
		for _, body := range [][]byte{create, spaced} {
			if status, r := post(body); status != 200 || r.Stored != 0 || r.Duplicates != 1 {
				t.Errorf("redelivery: %d %+v", status, r)
			}
		}
		if diff := cmp.Diff([]source.Endpoint{installed}, endpoints()); diff != "" || agentAlerts() != 1 {
			t.Errorf("after redeliveries, %d agent alerts and endpoints (-want +got):\n%s", agentAlerts(), diff)
		}
	})

	t.Run("AnOutOfOrderDeliveryDoesNotBringADeletedAgentBack", func(t *testing.T) {
		t.Parallel()
		post, endpoints, agentAlerts := setupDX(t)
		for _, f := range []string{"agent-delete.json", "agent-create.json", "agent-reinstall.json", "agent-uninstall.json"} {
			if status, r := post(read(t, f)); status != 200 || r.Stored != 1 {
				t.Errorf("%s: %d %+v", f, status, r)
			}
		}
		if got := endpoints(); len(got) != 0 {
			t.Errorf("events older than the delete brought back %+v", got)
		}
		if n := agentAlerts(); n != 4 {
			t.Errorf("%d agent alerts, want 4", n)
		}
	})

	t.Run("AnOlderDeleteLeavesANewerCreate", func(t *testing.T) {
		t.Parallel()
		post, endpoints, _ := setupDX(t)
		newer := strings.Replace(string(read(t, "agent-create.json")), "1677237885", "1677250000", 1)
		post([]byte(newer))
		post(read(t, "agent-delete.json"))
		if diff := cmp.Diff([]source.Endpoint{installed}, endpoints()); diff != "" {
			t.Errorf("an older delete changed the endpoints (-want +got):\n%s", diff)
		}
	})

	t.Run("HostilePayloadsStoreNothingBad", func(t *testing.T) {
		t.Parallel()
		post, endpoints, agentAlerts := setupDX(t)
		if status, r := post(read(t, "agent-create-no-id.json")); status != 200 || r.Stored != 1 || len(endpoints()) != 0 {
			t.Errorf("no agent id: %d %+v, endpoints %+v; want the event kept and no endpoint", status, r, endpoints())
		}
		noCustomer := strings.Replace(string(read(t, "agent-create.json")), customer, "", 1)
		if status, _ := post([]byte(noCustomer)); status != 400 || len(endpoints()) != 0 {
			t.Errorf("no customer: %d, endpoints %+v; want 400 and no endpoint", status, endpoints())
		}
		post(read(t, "agent-create-control-characters.json"))
		huge := strings.Replace(string(read(t, "agent-create.json")), `"WIN10-4"`, `"`+strings.Repeat("W", 200_000)+`"`, 1)
		if status, r := post([]byte(huge)); status != 200 || r.Stored != 1 {
			t.Errorf("huge hostname: %d %+v", status, r)
		}
		want := []source.Endpoint{
			{ID: agent, CustomerID: customer, Name: strings.Repeat("W", source.MaxEndpointTextBytes), OS: "Windows", Managed: true},
			{ID: agent + "\uFFFD", CustomerID: customer, Name: "WIN10-4\uFFFD", OS: "Windows\uFFFD 10 Pro", Managed: true},
		}
		if diff := cmp.Diff(want, endpoints()); diff != "" {
			t.Errorf("kept (-want +got):\n%s", diff)
		}
		if n := agentAlerts(); n != 3 {
			t.Errorf("%d agent alerts, want 3", n)
		}
	})
}
