package run

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/ref"
	"halobridge/internal/secret"
	"halobridge/internal/store"
)

func TestRefsAndInvoiceMode(t *testing.T) {
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
	svc := &Service{Store: st}

	if refs, err := svc.Refs(t.Context(), p.ID); err != nil || refs != nil {
		t.Fatalf("without a policy: %v, %v", refs, err)
	}
	if appends, err := svc.AppendsToExistingInvoice(t.Context(), p.ID); err != nil || appends {
		t.Fatalf("without a policy: appends %v, %v", appends, err)
	}
	policy := `{"products":{"mspSecureMonthlyUsage":{"item_id":1402},"edrMonthlyUsage":{"item_id":1403},"unbilled":{"item_id":0}},"mode":"append"}`
	if _, err := st.SaveBillingPolicy(t.Context(), p.ID, []byte(policy)); err != nil {
		t.Fatal(err)
	}
	refs, err := svc.Refs(t.Context(), p.ID)
	want := []ref.Ref{
		{Kind: store.KindItem, HaloID: "1403", Label: "billing policy: item for edrMonthlyUsage"},
		{Kind: store.KindItem, HaloID: "1402", Label: "billing policy: item for mspSecureMonthlyUsage"},
	}
	if err != nil || !cmp.Equal(want, refs) {
		t.Errorf("refs = %v, %v\n%s", refs, err, cmp.Diff(want, refs))
	}
	if appends, err := svc.AppendsToExistingInvoice(t.Context(), p.ID); err != nil || !appends {
		t.Errorf("append mode: %v, %v", appends, err)
	}
}
