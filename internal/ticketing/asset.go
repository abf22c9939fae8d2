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

// label names the asset for a person, with what tells it apart in small
// print: "PC-01", "Workstation, asset #12".
func (a Asset) label() (name, small string) {
	small = fmt.Sprintf("asset #%d", a.ID)
	if t := strings.TrimSpace(a.TypeName); t != "" {
		small = t + ", " + small
	}
	if name = strings.TrimSpace(a.Name); name == "" {
		return small, ""
	}
	return name, small
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
