package billing

import (
	"cmp"
	"slices"

	"halobridge/internal/source"
)

// Role says whether a product must be mapped to an item before billing can be
// switched on.
type Role string

const (
	// RoleSeats counts protected endpoints: a GravityZone protection model
	// (package basis) or all endpoints (endpoint basis). Must be mapped.
	RoleSeats Role = "seats"
	// RoleAddon is a GravityZone add-on. Optional: unmapped, it is not billed.
	RoleAddon Role = "addon"
	// RoleProduct is a DefensX subscription SKU or a push-API product. Must be mapped.
	RoleProduct Role = "product"
)

// Product describes one product key a source reports usage for.
type Product struct {
	Source source.Kind `json:"source"`
	Key    string      `json:"key"`
	Name   string      `json:"name"`
	Role   Role        `json:"role"`
	// Basis is set on RoleSeats products: which count of the endpoints this is.
	Basis Basis `json:"basis,omitempty"`
	// Supplier is the HaloPSA supplier an item created for this product gets.
	// Empty for push products: the caller names it after the push source.
	Supplier string `json:"supplier,omitempty"`
	// Unit is what one of the product's quantity counts, in the plural, as
	// the source names it: "endpoints", "mailboxes", "users", "licences".
	Unit string `json:"unit"`
}

// Required reports whether the product must be mapped before billing is on.
func (p Product) Required() bool { return p.Role != RoleAddon }

// billedUnder reports whether the product is billed when endpoints are
// counted by b; products that are not endpoint counts always are.
func (p Product) billedUnder(b Basis) bool { return p.Basis == "" || p.Basis == b }

// Describe classifies a product key of a source. GravityZone counters not
// known here are treated as optional add-ons, so a counter Bitdefender adds
// later never blocks billing; DefensX SKUs and push products are named by
// their key.
//
// Units: GravityZone's counters count endpoints, except those its licensing
// API says count mailboxes, devices, sensors or hours; DefensX bills each
// subscription per user (its usage details list the users); a push product
// counts licences, the vendor's own word being unknown.
func Describe(kind source.Kind, key string) Product {
	p := Product{Source: kind, Key: key, Name: key, Role: RoleProduct, Unit: UnitLicences}
	switch kind {
	case source.GravityZone:
		p.Supplier = "Bitdefender GravityZone"
		p.Name, p.Role, p.Basis = gravityZoneCounter(key)
		p.Unit = gravityZoneUnit(key)
	case source.DefensX:
		p.Supplier = "DefensX"
		p.Unit = UnitUsers
	}
	return p
}

// The units products are counted in.
const (
	UnitEndpoints = "endpoints"
	UnitUsers     = "users"
	UnitLicences  = "licences"
)

// gravityZoneUnit is what a GravityZone usage counter counts: endpoints,
// unless GravityZone's licensing API says otherwise.
func gravityZoneUnit(key string) string {
	switch key {
	case "exchangeMonthlyUsage", "emailSecurityMonthlyUsage":
		return "mailboxes"
	case "mobileSecurityMonthlyUsage":
		return "devices"
	case "xdrIdentitySensorsMonthlyUsage", "xdrProductivitySensorsMonthlyUsage":
		return "sensors"
	case "sveVdiMonthlyUsage":
		return "VDI hours"
	case "sveVsMonthlyUsage":
		return "virtual servers"
	}
	return UnitEndpoints
}

// gravityZoneCounter names the monthly usage counters of GravityZone's
// licensing API (getMonthlyUsage) and says what each counts.
func gravityZoneCounter(key string) (string, Role, Basis) {
	switch key {
	case "endpointMonthlyUsage":
		return "Endpoint Security", RoleSeats, BasisEndpoint
	case "aLaCarteMonthlyUsage":
		return "A la carte", RoleSeats, BasisPackage
	case "mspSecureEssentialsMonthlyUsage":
		return "MSP Secure Essentials", RoleSeats, BasisPackage
	case "mspSecureMonthlyUsage":
		return "MSP Secure", RoleSeats, BasisPackage
	case "mspSecurePlusMonthlyUsage":
		return "MSP Secure Plus", RoleSeats, BasisPackage
	case "mspSecureExtraMonthlyUsage":
		return "MSP Secure Extra", RoleSeats, BasisPackage
	}
	names := map[string]string{
		"edrMonthlyUsage":                    "EDR",
		"encryptionMonthlyUsage":             "Full Disk Encryption",
		"patchManagementMonthlyUsage":        "Patch Management",
		"atsMonthlyUsage":                    "Sandbox Analyzer and HyperDetect",
		"exchangeMonthlyUsage":               "Security for Exchange",
		"emailSecurityMonthlyUsage":          "Email Security",
		"mobileSecurityMonthlyUsage":         "Mobile Security",
		"containerProtectionMonthlyUsage":    "Container Protection",
		"complianceMonthlyUsage":             "Compliance Manager",
		"mdrFoundationsMonthlyUsage":         "MDR Foundations",
		"mdrResponseMonthlyUsage":            "MDR Response",
		"integrityMonitoringUsage":           "Integrity Monitoring",
		"integrityMonitoring90DaysUsage":     "Integrity Monitoring (90 days)",
		"integrityMonitoring180DaysUsage":    "Integrity Monitoring (180 days)",
		"integrityMonitoring1YearUsage":      "Integrity Monitoring (1 year)",
		"xdrIdentitySensorsMonthlyUsage":     "XDR Identity Sensors",
		"xdrProductivitySensorsMonthlyUsage": "XDR Productivity Sensors",
		"sveVsMonthlyUsage":                  "Security for Virtualized Environments (VS)",
		"sveVdiMonthlyUsage":                 "Security for Virtualized Environments (VDI hours)",
	}
	if name, ok := names[key]; ok {
		return name, RoleAddon, ""
	}
	return key, RoleAddon, ""
}

// seatBasisOf is the basis of a product key when it is one of GravityZone's
// endpoint counts, for policy keys that come without their source.
func seatBasisOf(key string) Basis {
	_, role, basis := gravityZoneCounter(key)
	if role != RoleSeats {
		return ""
	}
	return basis
}

// ProductsInUse lists, once each, the products with a quantity above zero in
// any report that could be fetched: what Validate and ProposeItems look at.
func ProductsInUse(reports []Report) []Product {
	type key struct {
		kind    source.Kind
		product string
	}
	seen := map[key]bool{}
	var out []Product
	for _, r := range reports {
		if r.Unavailable != "" {
			continue
		}
		for _, u := range r.Usage {
			k := key{r.Source, u.Product}
			if u.Quantity <= 0 || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, Describe(r.Source, u.Product))
		}
	}
	slices.SortFunc(out, func(a, b Product) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Key, b.Key))
	})
	return out
}
