package dxsim_test

import (
	"errors"
	"testing"

	"halobridge/internal/source/defensx/dxsim"
)

// agentItem is the part of the spec's Agent these tests read.
type agentItem struct {
	ID            string  `json:"id"`
	Hostname      string  `json:"hostname"`
	Uninstalled   bool    `json:"uninstalled"`
	UninstalledAt *string `json:"uninstalled_at"`
}

func TestAgentEventsChangeTheAgentList(t *testing.T) {
	t.Parallel()
	b := setup(t, oneSubscription(nil))
	// The notification fails (no endpoint is set) but the event happened.
	send := func(ev dxsim.AgentEvent) {
		t.Helper()
		if _, err := b.sim.SendAgentEvent(t.Context(), "c1", ev); !errors.Is(err, dxsim.ErrNoWebhook) {
			t.Fatalf("%s: %v", ev.Event, err)
		}
	}
	list := func() map[string]agentItem {
		t.Helper()
		out := map[string]agentItem{}
		for _, a := range readJSON[[]agentItem](t, b, "/customers/c1/agents") {
			out[a.ID] = a
		}
		return out
	}
	seeded := len(list())
	send(dxsim.AgentEvent{Event: "Agent.Create", ID: "a-new", Hostname: "BHD-PC-09"})
	if a, ok := list()["a-new"]; !ok || a.Hostname != "BHD-PC-09" || a.Uninstalled || len(list()) != seeded+1 {
		t.Errorf("after the create: %+v of %d agents", a, len(list()))
	}
	send(dxsim.AgentEvent{Event: "Agent.Uninstall", ID: "a-new"})
	if a := list()["a-new"]; !a.Uninstalled || a.UninstalledAt == nil || a.Hostname != "BHD-PC-09" {
		t.Errorf("after the uninstall: %+v", a)
	}
	send(dxsim.AgentEvent{Event: "Agent.Reinstall", ID: "a-new"})
	if a := list()["a-new"]; a.Uninstalled || a.UninstalledAt != nil {
		t.Errorf("after the reinstall: %+v", a)
	}
	send(dxsim.AgentEvent{Event: "Agent.Delete", ID: "a-new"})
	if _, ok := list()["a-new"]; ok || len(list()) != seeded || len(b.sim.Agents("c1")) != seeded {
		t.Errorf("after the delete the list has %d agents, Agents %d; want the %d seeded", len(list()), len(b.sim.Agents("c1")), seeded)
	}
	send(dxsim.AgentEvent{Event: "Agent.Delete", ID: "never-created"})
	if len(list()) != seeded {
		t.Errorf("deleting an unknown agent changed the list")
	}
}
