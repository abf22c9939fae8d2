package halosim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"halobridge/internal/halo/halosim"
)

// Example starts a simulated hosted Halo and calls it the way a service integration does:
// a client-credentials token from /auth/token?tenant=..., then the resource server.
func Example() {
	sim := halosim.New(halosim.Options{Tenant: "northpoint", Clients: 5, Seed: 1})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	cfg := clientcredentials.Config{
		ClientID:     halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret,
		TokenURL:     srv.URL + "/auth/token?tenant=northpoint",
		Scopes:       []string{"all"},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	client := cfg.Client(context.Background())

	resp, err := client.Get(srv.URL + "/api/Agent/me")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var me halosim.Agent
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, me.Name, me.IsAPIAgent)
	// Output: 200 Halo Integrator true
}
