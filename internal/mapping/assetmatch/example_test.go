package assetmatch_test

import (
	"fmt"

	"halobridge/internal/mapping/assetmatch"
)

func ExampleMatch() {
	endpoints := []assetmatch.Endpoint{
		{ID: "gz-1", Name: "RECEPTION-PC", FQDN: "reception-pc.corp.local", MACs: []string{"00155d010203"}},
		{ID: "gz-2", Name: "LAPTOP-ANNA", MACs: []string{"3c22fb112233"}},
		{ID: "gz-3", Name: "BUILD-01"},
	}
	assets := []assetmatch.Asset{
		{ID: 501, Fields: map[string]string{"inventory_number": "reception-pc.corp.local"}},
		{ID: 502, Fields: map[string]string{"inventory_number": "A-0042", "MAC Address": "3C:22:FB:11:22:33"}},
		{ID: 503, Fields: map[string]string{"inventory_number": "BUILD-01"}},
		{ID: 504, Fields: map[string]string{"key_field": "build-01"}},
	}
	// BUILD-01 was mapped by hand to another asset earlier.
	r := assetmatch.Match(assetmatch.DefaultSettings(), endpoints, assets, map[string]int{"gz-3": 504})
	for _, s := range r.Suggestions {
		fmt.Printf("%s → asset %d by rule %d on %q\n", s.EndpointID, s.AssetID, s.Rule, s.Value)
	}
	fmt.Println("ambiguous:", len(r.Ambiguous), "unmatched:", r.Unmatched)
	// Output:
	// gz-1 → asset 501 by rule 0 on "RECEPTION-PC"
	// gz-2 → asset 502 by rule 2 on "3c22fb112233"
	// ambiguous: 0 unmatched: []
}
