package assetmatch_test

import (
	"strings"
	"testing"

	"halobridge/internal/mapping/assetmatch"
)

// FuzzMatch feeds hostile values (huge, control characters, invalid
// UTF-8, separators only) to every rule kind and checks Match's promises:
// no panic, every open endpoint reported once, no asset suggested twice,
// confirmed endpoints and assets untouched.
func FuzzMatch(f *testing.F) {
	f.Add("PC-01", "pc-01.corp.local", "AA:BB:CC:DD:EE:FF, 10.0.0.1", "aabbccddeeff", uint8(0), false)
	f.Add("äöü\x00\t", "ÄÖÜ", "\xff\xfe;;,,  ", "", uint8(3), true)
	f.Add(strings.Repeat("ab", 300), strings.Repeat("b", 1000), "fe80::1%eth0 ::ffff:10.0.0.1", "aabb.ccdd.eeff", uint8(9), false)
	f.Fuzz(func(t *testing.T, a, b, c, d string, pick uint8, caseSensitive bool) {
		properties := []assetmatch.Property{assetmatch.PropertyName, assetmatch.PropertyLabel, assetmatch.PropertyFQDN, assetmatch.PropertyIP, assetmatch.PropertyMAC}
		modes := []assetmatch.Mode{assetmatch.ModeExact, assetmatch.ModeContains}
		var s assetmatch.Settings
		for i := range 3 {
			n := int(pick) + i
			s.Rules = append(s.Rules, assetmatch.Rule{AssetField: []string{"f1", "F2", "f3"}[i],
				Property: properties[n%len(properties)], Mode: modes[(n/len(properties))%len(modes)], CaseSensitive: caseSensitive})
		}
		values := []string{a, b, c, d, a + b, c + d, b + " " + d}
		var endpoints []assetmatch.Endpoint
		var assets []assetmatch.Asset
		for i, v := range values {
			w := values[(i+1)%len(values)]
			endpoints = append(endpoints, assetmatch.Endpoint{ID: string(rune('a' + i)), Name: v, Label: w, FQDN: v + "." + w,
				IPs: []string{v, w}, MACs: []string{w, v}})
			assets = append(assets, assetmatch.Asset{ID: i + 1, Fields: map[string]string{"f1": v, "f2": w, "F3": v + "," + w}})
		}
		confirmed := map[string]int{"a": 3}

		r := assetmatch.Match(s, endpoints, assets, confirmed)

		seen := map[string]int{}
		suggested := map[int]bool{}
		for _, sg := range r.Suggestions {
			seen[sg.EndpointID]++
			if suggested[sg.AssetID] {
				t.Errorf("asset %d suggested twice: %+v", sg.AssetID, r)
			}
			suggested[sg.AssetID] = true
			if sg.AssetID == 3 {
				t.Errorf("confirmed asset 3 suggested: %+v", sg)
			}
		}
		for _, am := range r.Ambiguous {
			seen[am.EndpointID]++
			for _, id := range am.AssetIDs {
				if id == 3 {
					t.Errorf("confirmed asset 3 offered: %+v", am)
				}
			}
		}
		for _, id := range r.Unmatched {
			seen[id]++
		}
		if seen["a"] != 0 {
			t.Errorf("confirmed endpoint a reported: %+v", r)
		}
		for _, e := range endpoints[1:] {
			if seen[e.ID] != 1 {
				t.Errorf("endpoint %s reported %d times, want once: %+v", e.ID, seen[e.ID], r)
			}
		}
	})
}
