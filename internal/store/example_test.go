package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// Example opens the embedded SQLite store the way halobridge does with no
// database URL configured: a key file and a database file in the data
// directory.
func Example() {
	ctx := context.Background()
	dataDir, err := os.MkdirTemp("", "halobridge-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dataDir)

	// With HALOBRIDGE_SECRET_KEY unset, the first start writes a key file.
	keys, err := secret.LoadKeyring("", filepath.Join(dataDir, "secret.key"), nil)
	if err != nil {
		log.Fatal(err)
	}
	s, err := store.Open(ctx, store.Config{DataDir: dataDir, Keys: keys})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	partner, err := s.CreatePartner(ctx, store.Partner{Name: "Acme IT Services"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = s.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID:    partner.ID,
		ResourceURL:  "https://acme.halopsa.com/api",
		AuthURL:      "https://acme.halopsa.com/auth",
		Tenant:       "acme",
		ClientID:     "halobridge",
		GrantType:    store.GrantClientCredentials,
		Scope:        "all",
		ClientSecret: "a-client-secret-from-halo",
	})
	if err != nil {
		log.Fatal(err)
	}
	diff, err := s.ReplaceCatalog(ctx, partner.ID, store.KindClient, []store.CatalogEntry{
		{HaloID: "12", Name: "Contoso", Data: []byte(`{"id":12,"name":"Contoso"}`)},
		{HaloID: "13", Name: "Fabrikam", Data: []byte(`{"id":13,"name":"Fabrikam"}`)},
	}, time.Now())
	if err != nil {
		log.Fatal(err)
	}

	conn, err := s.HaloConnection(ctx, partner.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(partner.Slug)
	fmt.Printf("%+v\n", diff)
	fmt.Println(secret.Mask(conn.ClientSecret))
	// Output:
	// acme-it-services
	// {Added:2 Updated:0 Removed:0 Unchanged:0}
	// ••••halo
}
