package halo

import (
	"context"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
)

// TestWrongTenant is hosted HaloPSA's answer to a tenant it does not know: HTTP 500 with a
// plain text body, not an OAuth error. Test Connection must point at the tenant name, not
// report that HaloPSA failed.
func TestWrongTenant(t *testing.T) {
	t.Parallel()
	c, _ := setupSim(t, halosim.Options{Tenant: "acme", WrongTenant500: true}, func(cfg *Config) {
		cfg.Tenant = "acmee"
		cfg.MaxRetries = 0
	})
	r := c.TestConnection(context.Background())
	if r.OK || len(r.Checks) == 0 {
		t.Fatalf("report = %+v, want the token check to fail", r)
	}
	check := r.Checks[0]
	if check.Name != "Get an access token" || check.OK {
		t.Fatalf("first check = %+v, want a failed token check", check)
	}
	for _, want := range []string{"500", `tenant name "acmee" is wrong`} {
		if !strings.Contains(check.Message, want) {
			t.Errorf("message = %q, want it to contain %q", check.Message, want)
		}
	}
	if !strings.HasPrefix(check.Fix, `Check the tenant name (now "acmee")`) || !strings.Contains(check.Fix, "API Details") {
		t.Errorf("fix = %q, want it to send the admin to the tenant name", check.Fix)
	}

	// The right tenant signs in.
	good, _ := setupSim(t, halosim.Options{Tenant: "acme", WrongTenant500: true}, nil)
	if r := good.TestConnection(context.Background()); !r.Checks[0].OK {
		t.Fatalf("with the right tenant: %+v", r.Checks[0])
	}
}
