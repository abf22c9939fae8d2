package assetmatch_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/mapping/assetmatch"
)

func asset(id int, fields ...string) assetmatch.Asset {
	a := assetmatch.Asset{ID: id, Fields: map[string]string{}}
	for i := 0; i+1 < len(fields); i += 2 {
		a.Fields[fields[i]] = fields[i+1]
	}
	return a
}

func named(id, name string) assetmatch.Endpoint { return assetmatch.Endpoint{ID: id, Name: name} }

func rules(rs ...assetmatch.Rule) assetmatch.Settings { return assetmatch.Settings{Rules: rs} }

var (
	tagByName   = assetmatch.Rule{AssetField: "inventory_number", Property: assetmatch.PropertyName, Mode: assetmatch.ModeExact}
	keyByName   = assetmatch.Rule{AssetField: "key_field", Property: assetmatch.PropertyName, Mode: assetmatch.ModeExact}
	macExact    = assetmatch.Rule{AssetField: "MAC Address", Property: assetmatch.PropertyMAC, Mode: assetmatch.ModeExact}
	ipExact     = assetmatch.Rule{AssetField: "IP Address", Property: assetmatch.PropertyIP, Mode: assetmatch.ModeExact}
	tagContains = assetmatch.Rule{AssetField: "inventory_number", Property: assetmatch.PropertyName, Mode: assetmatch.ModeContains}
)

func TestMatch(t *testing.T) {
	t.Parallel()

	// Sixty assets tagged "N/A", and the first fifty of them.
	var unknownTags []assetmatch.Asset
	var firstFifty []int
	for id := 60; id >= 1; id-- {
		unknownTags = append(unknownTags, asset(id, "inventory_number", "N/A"))
		if id > 10 {
			firstFifty = append([]int{id}, firstFifty...)
		}
	}

	tests := []struct {
		name      string
		settings  assetmatch.Settings
		endpoints []assetmatch.Endpoint
		assets    []assetmatch.Asset
		confirmed map[string]int
		want      assetmatch.Result
	}{
		{
			name:      "SuggestsTheAssetWhoseTagIsTheEndpointsName",
			settings:  rules(tagByName),
			endpoints: []assetmatch.Endpoint{named("e1", "PC-01"), named("e2", "PC-02")},
			assets:    []assetmatch.Asset{asset(10, "inventory_number", "PC-02"), asset(11, "inventory_number", "PC-01")},
			want: assetmatch.Result{Suggestions: []assetmatch.Suggestion{
				{EndpointID: "e1", AssetID: 11, Rule: 0, Value: "PC-01"},
				{EndpointID: "e2", AssetID: 10, Rule: 0, Value: "PC-02"},
			}},
		},
		{
			name:      "LeavesAConfirmedEndpointOutAndNeverOffersItsAssetToAnother",
			settings:  rules(tagByName),
			endpoints: []assetmatch.Endpoint{named("e1", "PC-01"), named("e2", "PC-01"), named("e3", "PC-03")},
			assets:    []assetmatch.Asset{asset(10, "inventory_number", "PC-01"), asset(12, "inventory_number", "PC-03")},
			// e1 was confirmed to another asset by hand; e2's only
			// candidate is held by e3.
			confirmed: map[string]int{"e1": 99, "e3": 10},
			want:      assetmatch.Result{Unmatched: []string{"e2"}},
		},
		{
			name:      "TheFirstRuleWithACandidateDecides",
			settings:  rules(tagByName, macExact),
			endpoints: []assetmatch.Endpoint{{ID: "e1", Name: "PC-01", MACs: []string{"aabbccddeeff"}}},
			assets:    []assetmatch.Asset{asset(10, "inventory_number", "PC-01"), asset(11, "MAC Address", "AA:BB:CC:DD:EE:FF")},
			want:      assetmatch.Result{Suggestions: []assetmatch.Suggestion{{EndpointID: "e1", AssetID: 10, Rule: 0, Value: "PC-01"}}},
		},
		{
			name:      "ALaterRuleDecidesWhenTheFirstFindsNothing",
			settings:  rules(tagByName, macExact),
			endpoints: []assetmatch.Endpoint{{ID: "e1", Name: "PC-01", MACs: []string{"001122334455", "aabbccddeeff"}}},
			assets:    []assetmatch.Asset{asset(10, "inventory_number", "Laptop 7"), asset(11, "MAC Address", "AA:BB:CC:DD:EE:FF")},
			want:      assetmatch.Result{Suggestions: []assetmatch.Suggestion{{EndpointID: "e1", AssetID: 11, Rule: 1, Value: "aabbccddeeff"}}},
		},
		{
			name:      "ReportsSeveralCandidatesAsAmbiguousWithoutTryingTheNextRule",
			settings:  rules(tagByName, macExact),
			endpoints: []assetmatch.Endpoint{{ID: "e1", Name: "PC-01", MACs: []string{"aabbccddeeff"}}},
			assets: []assetmatch.Asset{
				asset(12, "inventory_number", "pc-01"),
				asset(10, "inventory_number", "PC-01 "),
				asset(11, "MAC Address", "aa:bb:cc:dd:ee:ff"),
			},
			want: assetmatch.Result{Ambiguous: []assetmatch.Ambiguous{{EndpointID: "e1", AssetIDs: []int{10, 12}, Rule: 0}}},
		},
		{
			name:      "AnAssetTwoEndpointsWouldGetIsSuggestedToNeither",
			settings:  rules(tagByName, macExact),
			endpoints: []assetmatch.Endpoint{named("e2", "PC-01"), {ID: "e1", Name: "Other", MACs: []string{"aabbccddeeff"}}, named("e3", "PC-03")},
			assets: []assetmatch.Asset{
				asset(10, "inventory_number", "PC-01", "MAC Address", "AA-BB-CC-DD-EE-FF"),
				asset(13, "inventory_number", "PC-03"),
			},
			want: assetmatch.Result{
				Suggestions: []assetmatch.Suggestion{{EndpointID: "e3", AssetID: 13, Rule: 0, Value: "PC-03"}},
				Ambiguous: []assetmatch.Ambiguous{
					{EndpointID: "e1", AssetIDs: []int{10}, Rule: 1},
					{EndpointID: "e2", AssetIDs: []int{10}, Rule: 0},
				},
			},
		},
		{
			name:      "ComparesWithoutCaseUnlessTheRuleSaysSo",
			settings:  rules(assetmatch.Rule{AssetField: "key_field", Property: assetmatch.PropertyLabel, Mode: assetmatch.ModeExact, CaseSensitive: true}, keyByName),
			endpoints: []assetmatch.Endpoint{{ID: "e1", Name: "pc-01", Label: "pc-01"}, {ID: "e2", Name: "x", Label: "PC-02"}},
			assets:    []assetmatch.Asset{asset(10, "key_field", "PC-01"), asset(11, "key_field", "  PC-02\t")},
			want: assetmatch.Result{Suggestions: []assetmatch.Suggestion{
				{EndpointID: "e1", AssetID: 10, Rule: 1, Value: "pc-01"},
				{EndpointID: "e2", AssetID: 11, Rule: 0, Value: "PC-02"},
			}},
		},
		{
			name:     "ComparesMACAddressesAsTheirHexDigitsWhateverTheSeparators",
			settings: rules(macExact),
			endpoints: []assetmatch.Endpoint{
				{ID: "colons", MACs: []string{"aabbccddee01"}},
				{ID: "dashes", MACs: []string{"AABBCCDDEE02"}},
				{ID: "cisco", MACs: []string{"aabbccddee03"}},
				{ID: "listed", MACs: []string{"aabbccddee05"}},
				{ID: "not-a-mac", MACs: []string{"aabbccddee0"}},
			},
			assets: []assetmatch.Asset{
				asset(1, "MAC Address", "AA:BB:CC:DD:EE:01"),
				asset(2, "MAC Address", "aa-bb-cc-dd-ee-02"),
				asset(3, "MAC Address", "aabb.ccdd.ee03"),
				asset(5, "MAC Address", "AA:BB:CC:DD:EE:04; AA:BB:CC:DD:EE:05,00:00:00:00:00:00"),
				asset(6, "MAC Address", "AA:BB:CC:DD:EE:0"),
			},
			want: assetmatch.Result{
				Suggestions: []assetmatch.Suggestion{
					{EndpointID: "cisco", AssetID: 3, Value: "aabbccddee03"},
					{EndpointID: "colons", AssetID: 1, Value: "aabbccddee01"},
					{EndpointID: "dashes", AssetID: 2, Value: "aabbccddee02"},
					{EndpointID: "listed", AssetID: 5, Value: "aabbccddee05"},
				},
				Unmatched: []string{"not-a-mac"},
			},
		},
		{
			name:     "NeverMatchesOnTheZeroMACOrALoopbackIP",
			settings: rules(macExact, ipExact),
			endpoints: []assetmatch.Endpoint{
				{ID: "e1", MACs: []string{"000000000000"}, IPs: []string{"127.0.0.1", "0.0.0.0", "::1"}},
			},
			assets: []assetmatch.Asset{
				asset(1, "MAC Address", "00:00:00:00:00:00", "IP Address", "127.0.0.1 0.0.0.0 ::1"),
			},
			want: assetmatch.Result{Unmatched: []string{"e1"}},
		},
		{
			name:     "FindsAnIPAmongTheSeveralAFieldLists",
			settings: rules(ipExact),
			endpoints: []assetmatch.Endpoint{
				{ID: "e1", IPs: []string{"192.168.1.20", "10.0.0.6"}},
				{ID: "e2", IPs: []string{"FE80::1"}},
				{ID: "e3", IPs: []string{"10.0.0.7"}},
				{ID: "e4", IPs: []string{"::ffff:192.168.5.9"}},
			},
			assets: []assetmatch.Asset{
				asset(1, "IP Address", "10.0.0.5, 10.0.0.6"),
				asset(2, "IP Address", "fe80::1;172.16.0.1"),
				asset(3, "IP Address", "10.0.0.70 n/a"),
				asset(4, "IP Address", "192.168.5.9/24"),
			},
			want: assetmatch.Result{
				Suggestions: []assetmatch.Suggestion{
					{EndpointID: "e1", AssetID: 1, Value: "10.0.0.6"},
					{EndpointID: "e2", AssetID: 2, Value: "fe80::1"},
					{EndpointID: "e4", AssetID: 4, Value: "192.168.5.9"},
				},
				Unmatched: []string{"e3"},
			},
		},
		{
			name:     "AnExactNameRuleMatchesAHostNameWithTheFirstLabelOfAnFQDN",
			settings: rules(tagByName),
			endpoints: []assetmatch.Endpoint{
				named("fqdn-named", "pc-01.corp.local"),
				{ID: "has-fqdn", Name: "Reception", FQDN: "PC-02.corp.local"},
				named("short-named", "PC-03"),
				named("other-domain", "pc-04.corp.local"),
				named("an-ip", "10.0.0.5"),
			},
			assets: []assetmatch.Asset{
				asset(1, "inventory_number", "PC-01"),
				asset(2, "inventory_number", "pc-02"),
				asset(3, "inventory_number", "pc-03.corp.local"),
				asset(4, "inventory_number", "pc-04.branch.local"),
				asset(5, "inventory_number", "10"),
			},
			want: assetmatch.Result{
				Suggestions: []assetmatch.Suggestion{
					{EndpointID: "fqdn-named", AssetID: 1, Value: "pc-01.corp.local"},
					{EndpointID: "has-fqdn", AssetID: 2, Value: "PC-02.corp.local"},
					{EndpointID: "short-named", AssetID: 3, Value: "PC-03"},
				},
				Unmatched: []string{"an-ip", "other-domain"},
			},
		},
		{
			name:     "EmptyValuesNeverMatch",
			settings: rules(tagByName, assetmatch.Rule{AssetField: "key_field", Property: assetmatch.PropertyLabel, Mode: assetmatch.ModeContains}),
			endpoints: []assetmatch.Endpoint{
				{ID: "e1", Name: "", Label: "   "},
			},
			assets: []assetmatch.Asset{asset(1, "inventory_number", ""), asset(2, "key_field", " "), asset(3)},
			want:   assetmatch.Result{Unmatched: []string{"e1"}},
		},
		{
			name:     "ContainsMatchesEitherWayFromThreeCharacters",
			settings: rules(tagContains),
			endpoints: []assetmatch.Endpoint{
				named("asset-holds-name", "pc-01"),
				named("name-holds-asset", "Reception DESK-7 (old)"),
				named("too-short", "pc"),
				named("umlauts", "äöü"),
			},
			assets: []assetmatch.Asset{
				asset(1, "inventory_number", "PC-01 (Reception)"),
				asset(2, "inventory_number", "desk-7"),
				asset(3, "inventory_number", "xpcx"),
				asset(4, "inventory_number", "Büro ÄÖÜ 2"),
				asset(5, "inventory_number", "ab"),
			},
			want: assetmatch.Result{
				Suggestions: []assetmatch.Suggestion{
					{EndpointID: "asset-holds-name", AssetID: 1, Value: "pc-01"},
					{EndpointID: "name-holds-asset", AssetID: 2, Value: "Reception DESK-7 (old)"},
					{EndpointID: "umlauts", AssetID: 4, Value: "äöü"},
				},
				Unmatched: []string{"too-short"},
			},
		},
		{
			name:     "ContainsReportsEveryAssetThatFitsAsAmbiguous",
			settings: rules(tagContains),
			endpoints: []assetmatch.Endpoint{
				named("e1", "LAPTOP-A1B2"),
			},
			assets: []assetmatch.Asset{
				asset(1, "inventory_number", "laptop-a1b2 (Anna)"),
				asset(2, "inventory_number", "A1B2"),
				asset(3, "inventory_number", "laptop-a1b3"),
			},
			want: assetmatch.Result{Ambiguous: []assetmatch.Ambiguous{{EndpointID: "e1", AssetIDs: []int{1, 2}}}},
		},
		{
			name:      "ListsAtMostMaxCandidatesAssetsTheFirstFound",
			settings:  rules(tagByName),
			endpoints: []assetmatch.Endpoint{named("e1", "n/a")},
			assets:    unknownTags,
			want:      assetmatch.Result{Ambiguous: []assetmatch.Ambiguous{{EndpointID: "e1", AssetIDs: firstFifty}}},
		},
		{
			name:      "FindsTheFieldByItsNameWithoutCase",
			settings:  rules(assetmatch.Rule{AssetField: "mac address", Property: assetmatch.PropertyMAC, Mode: assetmatch.ModeExact}),
			endpoints: []assetmatch.Endpoint{{ID: "e1", MACs: []string{"aabbccddeeff"}}},
			assets:    []assetmatch.Asset{asset(1, "MAC Address", "AA:BB:CC:DD:EE:FF")},
			want:      assetmatch.Result{Suggestions: []assetmatch.Suggestion{{EndpointID: "e1", AssetID: 1, Value: "aabbccddeeff"}}},
		},
		{
			name: "SkipsARuleValidateRefusesAndKeepsTheOthersNumbers",
			settings: rules(assetmatch.Rule{AssetField: "inventory_number", Property: "serial", Mode: assetmatch.ModeExact},
				keyByName),
			endpoints: []assetmatch.Endpoint{named("e1", "PC-01")},
			assets:    []assetmatch.Asset{asset(1, "inventory_number", "PC-01", "key_field", "PC-01")},
			want:      assetmatch.Result{Suggestions: []assetmatch.Suggestion{{EndpointID: "e1", AssetID: 1, Rule: 1, Value: "PC-01"}}},
		},
		{
			name:      "LeavesOutEndpointsWithoutIdAndRepeatedIds",
			settings:  rules(tagByName),
			endpoints: []assetmatch.Endpoint{named("", "PC-01"), named("e1", "PC-02"), named("e1", "PC-01")},
			assets:    []assetmatch.Asset{asset(1, "inventory_number", "PC-01"), asset(0, "inventory_number", "PC-02"), asset(1, "inventory_number", "PC-02")},
			want:      assetmatch.Result{Unmatched: []string{"e1"}},
		},
		{
			name:      "CutsHugeValuesAtMaxValueBytes",
			settings:  rules(tagByName),
			endpoints: []assetmatch.Endpoint{named("e1", strings.Repeat("é", 200))},
			// 127 two-byte characters fit in 255 bytes, on both sides;
			// the asset's 255th byte is a space, trimmed after the cut.
			assets: []assetmatch.Asset{asset(1, "inventory_number", strings.Repeat("É", 127)+" different tail"+strings.Repeat("x", 1<<20))},
			want:   assetmatch.Result{Suggestions: []assetmatch.Suggestion{{EndpointID: "e1", AssetID: 1, Value: strings.Repeat("é", 127)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := assetmatch.Match(tt.settings, tt.endpoints, tt.assets, tt.confirmed)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Match (-want +got):\n%s", diff)
			}
		})
	}
}
