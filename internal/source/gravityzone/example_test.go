package gravityzone_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
)

func ExampleParsePush() {
	body := []byte(`{"jsonrpc":"2.0","method":"addEvents","id":1,"params":{"events":[{"module":"av",` +
		`"companyId":"5f1c0a9e2b3d4c5e6f708192","computer_name":"CONTOSO-WS01","computer_id":"5f1c0a9e2b3d4c5e6f708193",` +
		`"malware_name":"EICAR-Test-File (not a virus)","final_status":"deleted","timestamp":"2026-01-05T09:30:00.000Z"}]}}`)
	in, err := gravityzone.ParsePush(nil, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := in.Alerts[0]
	fmt.Println(a.Type, a.Severity, a.HostName, a.OccurredAt.Format(time.RFC3339), a.Facts["final_status"])
	fmt.Println(a.Fingerprint)
	// Output:
	// av info CONTOSO-WS01 2026-01-05T09:30:00Z deleted
	// gravityzone|5f1c0a9e2b3d4c5e6f708192|av|5f1c0a9e2b3d4c5e6f708193|EICAR-Test-File (not a virus)
}

func ExampleConnector_Customers() {
	sim := gzsim.New(gzsim.Options{Companies: []gzsim.Company{
		{Name: "Northgate IT Services", Partner: true},
		{Name: "Contoso Ltd"},
		{Name: "Fabrikam, Inc."},
	}})
	server := httptest.NewServer(sim)
	defer server.Close()

	client, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: server.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		fmt.Println(err)
		return
	}
	var src source.Source = gravityzone.NewConnector(client, nil)
	customers, err := src.Customers(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range customers {
		fmt.Println(c.Name, c.Reseller)
	}
	// Output:
	// Northgate IT Services true
	// Contoso Ltd false
	// Fabrikam, Inc. false
}
