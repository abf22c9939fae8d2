package ticketing

import (
	"fmt"
	"strings"
)

// Asset is the HaloPSA asset an alert's endpoint is mapped to (asset
// mapping), which its ticket carries and its body names.
type Asset struct {
	ID       int
	ClientID int
	// Name is the asset's tag or first key field, "" when it has none;
	// TypeName its asset type's name.
	Name, TypeName string
}

// label names the asset for a person: "PC-01 (Workstation, asset #12)".
func (a Asset) label() string {
	var small []string
	if t := strings.TrimSpace(a.TypeName); t != "" {
		small = append(small, t)
	}
	small = append(small, fmt.Sprintf("asset #%d", a.ID))
	name := strings.TrimSpace(a.Name)
	if name == "" {
		return strings.Join(small, ", ")
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(small, ", "))
}

// assetFor is the asset a ticket on clientID carries: in's, when it
// belongs to that client (an alert routed to the fallback client carries
// none).
func assetFor(in Input, clientID int) *Asset {
	if in.Asset == nil || in.Asset.ID <= 0 || in.Asset.ClientID != clientID {
		return nil
	}
	return in.Asset
}
