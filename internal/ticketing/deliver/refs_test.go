package deliver

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/ref"
	"halobridge/internal/secret"
	"halobridge/internal/store"
)

func TestRefs(t *testing.T) {
	t.Parallel()
	keys, _ := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, _ := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
	svc := New(st, nil, Options{})

	if refs, err := svc.Refs(t.Context(), p.ID); err != nil || refs != nil {
		t.Fatalf("without a policy: %v, %v; want none", refs, err)
	}
	policy := `{"tickettype_id":21,"agent_id":1,"initial_status_id":1,"closing_status_id":9,"note_outcome_id":7,
		"types":{"av":{"enabled":true,"sla_id":3},"uc":{"enabled":false,"sla_id":4}}}`
	if _, err := st.SaveTicketPolicy(t.Context(), store.TicketPolicy{PartnerID: p.ID, Policy: []byte(policy), FallbackClientID: 101}); err != nil {
		t.Fatal(err)
	}
	refs, err := svc.Refs(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []ref.Ref{
		{Kind: store.KindTicketType, HaloID: "21", Label: "ticket policy: ticket type"},
		{Kind: store.KindStatus, HaloID: "1", Label: "ticket policy: initial status"},
		{Kind: store.KindStatus, HaloID: "9", Label: "ticket policy: closing status"},
		{Kind: store.KindOutcome, HaloID: "7", Label: "ticket policy: outcome of notes"},
		{Kind: store.KindClient, HaloID: "101", Label: "ticket policy: client for unmapped customers"},
		{Kind: store.KindSLA, HaloID: "3", Label: "ticket policy: SLA of av alerts"},
	}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}
