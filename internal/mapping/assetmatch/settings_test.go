package assetmatch_test

import (
	"encoding/json"
	"strings"
	"testing"

	"halobridge/internal/mapping/assetmatch"
)

func TestSettings(t *testing.T) {
	t.Parallel()

	t.Run("DefaultsAreValidAndReadAsJSON", func(t *testing.T) {
		t.Parallel()
		d := assetmatch.DefaultSettings()
		if err := d.Validate(); err != nil {
			t.Fatalf("DefaultSettings().Validate() = %v", err)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"rules":[{"asset_field":"inventory_number","property":"name","mode":"exact","case_sensitive":false},` +
			`{"asset_field":"key_field","property":"name","mode":"exact","case_sensitive":false},` +
			`{"asset_field":"MAC Address","property":"mac","mode":"exact","case_sensitive":false},` +
			`{"asset_field":"IP Address","property":"ip","mode":"exact","case_sensitive":false}]}`
		if string(raw) != want {
			t.Errorf("DefaultSettings as JSON:\n%s\nwant\n%s", raw, want)
		}
	})

	ok := assetmatch.Rule{AssetField: "key_field", Property: assetmatch.PropertyName, Mode: assetmatch.ModeExact}
	tests := []struct {
		name  string
		rules []assetmatch.Rule
		// want are parts of the error, "" for none.
		want []string
	}{
		{name: "AcceptsOneRule", rules: []assetmatch.Rule{ok}},
		{name: "AcceptsACustomFieldsNameOfAHundredCharacters", rules: []assetmatch.Rule{{AssetField: strings.Repeat("é", 100), Property: assetmatch.PropertyIP, Mode: assetmatch.ModeContains}}},
		{name: "RefusesNoRules", want: []string{"no smart-match rules: add at least one rule"}},
		{name: "RefusesElevenRules", rules: make([]assetmatch.Rule, 11), want: []string{"11 smart-match rules: keep at most 10"}},
		{name: "RefusesABlankField", rules: []assetmatch.Rule{ok, {AssetField: "  ", Property: assetmatch.PropertyMAC, Mode: assetmatch.ModeExact}},
			want: []string{`rule 2: no asset field: name a HaloPSA asset field`}},
		{name: "RefusesALongField", rules: []assetmatch.Rule{{AssetField: strings.Repeat("a", 101), Property: assetmatch.PropertyMAC, Mode: assetmatch.ModeExact}},
			want: []string{"rule 1: the asset field's name has 101 characters: HaloPSA field names are at most 100"}},
		{name: "RefusesControlCharacters", rules: []assetmatch.Rule{{AssetField: "IP\nAddress", Property: assetmatch.PropertyIP, Mode: assetmatch.ModeExact}},
			want: []string{"rule 1: the asset field's name holds control characters"}},
		{name: "RefusesInvalidUTF8", rules: []assetmatch.Rule{{AssetField: "IP\xffAddress", Property: assetmatch.PropertyIP, Mode: assetmatch.ModeExact}},
			want: []string{"rule 1: the asset field's name is not valid UTF-8"}},
		{name: "NamesEveryProblemOfARule", rules: []assetmatch.Rule{ok, ok, {AssetField: "key_field", Property: "serial", Mode: "fuzzy"}},
			want: []string{`rule 3: unknown endpoint property "serial": use name, label, fqdn, ip or mac`, `rule 3: unknown mode "fuzzy": use exact or contains`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := assetmatch.Settings{Rules: tt.rules}.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
