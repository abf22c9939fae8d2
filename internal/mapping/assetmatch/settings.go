package assetmatch

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Property is the endpoint property a rule compares.
type Property string

// The endpoint properties a rule can compare.
const (
	PropertyName  Property = "name"
	PropertyLabel Property = "label"
	PropertyFQDN  Property = "fqdn"
	PropertyIP    Property = "ip"
	PropertyMAC   Property = "mac"
)

// Mode is how a rule compares values.
type Mode string

// The comparison modes. ModeContains matches when either value contains
// the other, the contained one being at least MinContained characters long.
const (
	ModeExact    Mode = "exact"
	ModeContains Mode = "contains"
)

// Rule compares one HaloPSA asset field with one endpoint property.
type Rule struct {
	// AssetField is "inventory_number", "key_field", "key_field2",
	// "key_field3", or an asset field or custom field by its name, as the
	// caller fills Asset.Fields. Names are compared without case.
	AssetField string   `json:"asset_field"`
	Property   Property `json:"property"`
	Mode       Mode     `json:"mode"`
	// CaseSensitive applies to name, label and FQDN; IP and MAC addresses
	// are always compared without case.
	CaseSensitive bool `json:"case_sensitive"`
}

// Settings are a partner's smart-match rules, tried in order: the first
// rule that finds a candidate for an endpoint decides for it.
type Settings struct {
	Rules []Rule `json:"rules"`
}

// Bounds of the settings.
const (
	MaxRules     = 10
	MaxFieldName = 100 // characters of Rule.AssetField
)

// DefaultSettings are the rules a partner starts with: the asset tag
// (inventory_number), then the asset type's first key field, compared
// exactly with the endpoint's name, since MSPs most often name an asset
// after its device; then the "MAC Address" and "IP Address" asset fields
// where the asset types have them. MAC comes before IP because DHCP hands
// an IP address to another device over time, while a network card keeps
// its MAC. Rules whose field an asset lacks simply find nothing.
func DefaultSettings() Settings {
	return Settings{Rules: []Rule{
		{AssetField: "inventory_number", Property: PropertyName, Mode: ModeExact},
		{AssetField: "key_field", Property: PropertyName, Mode: ModeExact},
		{AssetField: "MAC Address", Property: PropertyMAC, Mode: ModeExact},
		{AssetField: "IP Address", Property: PropertyIP, Mode: ModeExact},
	}}
}

// Validate says what to fix in settings a person wrote, rule by rule
// (numbered from 1, as a form shows them).
func (s Settings) Validate() error {
	if len(s.Rules) == 0 {
		return errors.New("no smart-match rules: add at least one rule that compares a HaloPSA asset field with an endpoint property")
	}
	if len(s.Rules) > MaxRules {
		return fmt.Errorf("%d smart-match rules: keep at most %d, the first rule that finds a candidate decides", len(s.Rules), MaxRules)
	}
	var errs []error
	for i, r := range s.Rules {
		for _, err := range r.problems() {
			errs = append(errs, fmt.Errorf("rule %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with one rule.
func (r Rule) problems() []error {
	var errs []error
	field := strings.TrimSpace(r.AssetField)
	switch {
	case field == "":
		errs = append(errs, errors.New(`no asset field: name a HaloPSA asset field, such as "inventory_number", "key_field" or a custom field's name`))
	case !utf8.ValidString(field):
		errs = append(errs, errors.New("the asset field's name is not valid UTF-8 text: type it again"))
	case utf8.RuneCountInString(field) > MaxFieldName:
		errs = append(errs, fmt.Errorf("the asset field's name has %d characters: HaloPSA field names are at most %d", utf8.RuneCountInString(field), MaxFieldName))
	case strings.ContainsFunc(field, unicode.IsControl):
		errs = append(errs, errors.New("the asset field's name holds control characters (such as a tab or a line break): remove them"))
	}
	if !r.Property.valid() {
		errs = append(errs, fmt.Errorf("unknown endpoint property %q: use name, label, fqdn, ip or mac", r.Property))
	}
	if !r.Mode.valid() {
		errs = append(errs, fmt.Errorf("unknown mode %q: use exact or contains", r.Mode))
	}
	return errs
}

func (p Property) valid() bool {
	switch p {
	case PropertyName, PropertyLabel, PropertyFQDN, PropertyIP, PropertyMAC:
		return true
	}
	return false
}

func (m Mode) valid() bool { return m == ModeExact || m == ModeContains }
