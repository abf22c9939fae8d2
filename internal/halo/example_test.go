package halo_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"

	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
)

// A partner's connection is tested before anything else uses it; here against the simulator.
func ExampleClient_TestConnection() {
	srv := httptest.NewServer(halosim.New(halosim.Options{Tenant: "northpoint"}))
	defer srv.Close()

	client, err := halo.New(halo.Config{
		Outbound:     outbound.Local(),
		ResourceURL:  srv.URL + "/api",
		AuthURL:      srv.URL + "/auth",
		Tenant:       "northpoint",
		ClientID:     halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	halo.FormatReport(os.Stdout, client.TestConnection(context.Background()))
	// Output:
	// ✓ Get an access token (signed in as agent "Halo Integrator" (id 7))
	// ✓ Read clients and sites
	// ✓ Read agents and teams
	// ✓ Read statuses and ticket types
	// ✓ Create tickets
	// ✓ Create actions
	// ✓ Read assets
	// ✓ Read items
	// ✓ Read and edit recurring invoices
	// Connection successful
}

// A ticket for a site without a known end user goes to the site's General User.
func ExampleGeneralUser() {
	users := []halo.User{
		{ID: 1001, Name: "General User", SiteID: 501},
		{ID: 1002, Name: "Dana Whitfield", SiteID: 501},
	}
	if gu, ok := halo.GeneralUser(users, 501); ok {
		fmt.Println(halo.Ticket{Summary: "Malware detected", SiteID: gu.SiteID, UserID: gu.ID}.UserID)
	}
	// Output: 1001
}
