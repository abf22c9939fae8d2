package gravityzone

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"halobridge/internal/source"
)

// Product types of the licensing API.
const (
	ProductEndpointSecurity = 0
	ProductEDR              = 3
	ProductPHASR            = 5
)

// LicenseInfo is licensing.getLicenseInfo's answer for one company.
type LicenseInfo struct {
	// SubscriptionType: 1 trial, 2 licensed, 3 monthly, 4 monthly license trial, 5 monthly
	// subscription trial, 6 FRAT.
	SubscriptionType int    `json:"subscriptionType"`
	IsAddon          bool   `json:"isAddon"`
	ExpiryDate       string `json:"expiryDate"`
	UsedSlots        int    `json:"usedSlots"`
	// TotalSlots may be null on monthly subscriptions.
	TotalSlots                  *int   `json:"totalSlots"`
	LicenseKey                  string `json:"licenseKey"`
	EndSubscription             string `json:"endSubscription"`
	AutoRenewPeriod             int    `json:"autoRenewPeriod"`
	ManageExchange              bool   `json:"manageExchange"`
	ManageEncryption            bool   `json:"manageEncryption"`
	ManageRemoteEnginesScanning bool   `json:"manageRemoteEnginesScanning"`
	ManageHyperDetect           bool   `json:"manageHyperDetect"`
	ManageSandboxAnalyzer       bool   `json:"manageSandboxAnalyzer"`
	ManagePatchManagement       bool   `json:"managePatchManagement"`
	ManageEventCorrelator       bool   `json:"manageEventCorrelator"`
	ManageEmailSecurity         bool   `json:"manageEmailSecurity"`
	// AssignedProtectionModel is aLaCarte, mspSecure, mspSecurePlus or mspSecureExtra.
	AssignedProtectionModel string `json:"assignedProtectionModel"`
	AdditionalProductTypes  []int  `json:"additionalProductTypes"`
}

// LicenseInfo returns a company's licence.
func (c *Client) LicenseInfo(ctx context.Context, companyID string) (LicenseInfo, error) {
	var info LicenseInfo
	if err := c.Call(ctx, "licensing", "getLicenseInfo", map[string]any{"companyId": companyID}, &info); err != nil {
		return LicenseInfo{}, err
	}
	return info, nil
}

// MonthlyUsage is one company's usage counters for one month, by GravityZone's counter
// name (endpointMonthlyUsage, edrMonthlyUsage, …), zeros included.
type MonthlyUsage struct {
	Counters map[string]float64
	// Minimum holds the committed minimums (minimumUsage), when the company has any.
	Minimum map[string]float64
}

// ProductUsage is the usage of one product type.
type ProductUsage struct {
	ProductType int
	Counters    map[string]float64
}

// TargetMonth spells m as the licensing API requires it: strictly mm/yyyy.
func TargetMonth(m source.Month) string {
	return fmt.Sprintf("%02d/%04d", int(m.Month), m.Year)
}

// MonthlyUsage returns a company's counters for month (licensing.getMonthlyUsage).
func (c *Client) MonthlyUsage(ctx context.Context, companyID string, month source.Month) (MonthlyUsage, error) {
	var raw map[string]json.RawMessage
	params := map[string]any{"companyId": companyID, "targetMonth": TargetMonth(month)}
	if err := c.Call(ctx, "licensing", "getMonthlyUsage", params, &raw); err != nil {
		return MonthlyUsage{}, err
	}
	u := MonthlyUsage{Counters: counters(raw)}
	if minimum, ok := raw["minimumUsage"]; ok {
		var nested map[string]json.RawMessage
		if json.Unmarshal(minimum, &nested) == nil {
			u.Minimum = counters(nested)
		}
	}
	return u, nil
}

// MonthlyUsagePerProductType returns a company's counters for month split by product type
// (licensing.getMonthlyUsagePerProductType), ordered by product type.
func (c *Client) MonthlyUsagePerProductType(ctx context.Context, companyID string, month source.Month) ([]ProductUsage, error) {
	var answer struct {
		Usages []map[string]json.RawMessage `json:"usages"`
	}
	params := map[string]any{"companyId": companyID, "targetMonth": TargetMonth(month)}
	if err := c.Call(ctx, "licensing", "getMonthlyUsagePerProductType", params, &answer); err != nil {
		return nil, err
	}
	out := make([]ProductUsage, 0, len(answer.Usages))
	for _, entry := range answer.Usages {
		var productType int
		if raw, ok := entry["productType"]; ok {
			if err := json.Unmarshal(raw, &productType); err != nil {
				return nil, fmt.Errorf("GravityZone usage for %s names product type %s: %w", companyID, raw, err)
			}
		}
		delete(entry, "productType")
		out = append(out, ProductUsage{ProductType: productType, Counters: counters(entry)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ProductType < out[j].ProductType })
	return out, nil
}

// counters keeps the numeric members of a usage object; nested objects such as
// minimumUsage are not counters.
func counters(raw map[string]json.RawMessage) map[string]float64 {
	out := make(map[string]float64, len(raw))
	for name, value := range raw {
		var n float64
		if json.Unmarshal(value, &n) == nil {
			out[name] = n
		}
	}
	return out
}
