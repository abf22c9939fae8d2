package gzsim

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"regexp"
	"strconv"
	"time"
)

// counterNames is the full counter set getMonthlyUsage answers, zeros included.
var counterNames = []string{
	"endpointMonthlyUsage", "aLaCarteMonthlyUsage", "mspSecureEssentialsMonthlyUsage", "mspSecureMonthlyUsage",
	"mspSecurePlusMonthlyUsage", "mspSecureExtraMonthlyUsage", "emailSecurityMonthlyUsage", "mobileSecurityMonthlyUsage",
	"exchangeMonthlyUsage", "encryptionMonthlyUsage", "atsMonthlyUsage", "edrMonthlyUsage", "mdrFoundationsMonthlyUsage",
	"mdrResponseMonthlyUsage", "patchManagementMonthlyUsage", "containerProtectionMonthlyUsage", "integrityMonitoringUsage",
	"integrityMonitoring90DaysUsage", "integrityMonitoring180DaysUsage", "integrityMonitoring1YearUsage",
	"xdrIdentitySensorsMonthlyUsage", "xdrProductivitySensorsMonthlyUsage", "sveVsMonthlyUsage", "sveVdiMonthlyUsage",
	"complianceMonthlyUsage",
}

// Product types of the licensing API.
const (
	productEndpointSecurity = 0
	productEDR              = 3
)

// targetMonthPattern is the only form targetMonth takes: mm/yyyy.
var targetMonthPattern = regexp.MustCompile(`^(0[1-9]|1[0-2])/([0-9]{4})$`)

type month struct {
	year  int
	month time.Month
}

func (m month) after(o month) bool {
	return m.year > o.year || (m.year == o.year && m.month > o.month)
}

// usage is counters by name.
type usage map[string]int

func (u usage) add(o usage) {
	for k, v := range o {
		u[k] += v
	}
}

// full lists every counter, zeros included.
func (u usage) full() map[string]any {
	out := make(map[string]any, len(counterNames))
	for _, name := range counterNames {
		out[name] = u[name]
	}
	return out
}

// ownUsage is what a company's own endpoints used in m, split by product type. It is
// deterministic from the seed and moves from month to month; months before the company
// existed or still to come have none.
func (s *Sim) ownUsage(c *company, m month) map[int]usage {
	split := map[int]usage{productEndpointSecurity: {}, productEDR: {}}
	nowMonth := month{s.now().Year(), s.now().Month()}
	created := month{c.createdAt.Year(), c.createdAt.Month()}
	if m.after(nowMonth) || created.after(m) {
		return split
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(strconv.FormatInt(s.opts.Seed, 10) + "|" + c.ID + "|" + strconv.Itoa(m.year*12+int(m.month))))
	sum := h.Sum64()
	seats := len(c.endpoints) + int(sum%4)
	es := split[productEndpointSecurity]
	es["endpointMonthlyUsage"] = seats
	es[c.model+"MonthlyUsage"] = seats
	if c.addOns.patch {
		es["patchManagementMonthlyUsage"] = seats - int(sum>>8%2)
	}
	if c.addOns.encryption {
		es["encryptionMonthlyUsage"] = (seats + 1) / 2
	}
	if c.addOns.ats {
		es["atsMonthlyUsage"] = seats
	}
	if c.addOns.email {
		es["emailSecurityMonthlyUsage"] = 2*seats + int(sum>>16%3)
	}
	if c.addOns.exchange {
		es["exchangeMonthlyUsage"] = seats + int(sum>>24%2)
	}
	if c.addOns.edr {
		split[productEDR]["edrMonthlyUsage"] = seats
	}
	return split
}

// usageOf is a company's usage including every company below it, as GravityZone counts a
// parent's.
func (s *Sim) usageOf(c *company, m month) map[int]usage {
	total := s.ownUsage(c, m)
	for _, child := range s.children(c) {
		for pt, u := range s.usageOf(child, m) {
			total[pt].add(u)
		}
	}
	return total
}

type usageParams struct {
	CompanyID                    *string `json:"companyId"`
	TargetMonth                  *string `json:"targetMonth"`
	UsageCoverageType            *int    `json:"usageCoverageType"`
	CompanyRegistrationStartDate *string `json:"companyRegistrationStartDate"`
	CompanyRegistrationEndDate   *string `json:"companyRegistrationEndDate"`
}

// resolveUsage checks the params shared by both usage methods.
func (s *Sim) resolveUsage(p usageParams) (*company, month, *rpcError) {
	c := s.companies[0]
	if p.CompanyID != nil {
		c = s.byID[*p.CompanyID]
		if c == nil {
			return nil, month{}, invalidParams("Invalid value for 'companyId'")
		}
	}
	m := month{s.now().Year(), s.now().Month()}
	if p.TargetMonth != nil {
		parts := targetMonthPattern.FindStringSubmatch(*p.TargetMonth)
		if parts == nil {
			return nil, month{}, invalidParams("Invalid value for 'targetMonth': expected mm/yyyy")
		}
		mm, _ := strconv.Atoi(parts[1])
		yyyy, _ := strconv.Atoi(parts[2])
		m = month{yyyy, time.Month(mm)}
	}
	if p.UsageCoverageType != nil && (*p.UsageCoverageType != 3 || p.CompanyRegistrationStartDate == nil || p.CompanyRegistrationEndDate == nil) {
		return nil, month{}, invalidParams("Invalid value for 'usageCoverageType': only 3, with both registration dates")
	}
	return c, m, nil
}

func (s *Sim) getMonthlyUsage(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		usageParams
		ProductType *int `json:"productType"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, err := s.resolveUsage(p.usageParams)
	if err != nil {
		return nil, err
	}
	split := s.usageOf(c, m)
	total := usage{}
	if p.ProductType != nil {
		u, ok := split[*p.ProductType]
		if !ok && *p.ProductType != 5 {
			return nil, invalidParams("Invalid value for 'productType'")
		}
		total.add(u)
	} else {
		for _, u := range split {
			total.add(u)
		}
	}
	out := total.full()
	out["minimumUsage"] = map[string]int{"endpointMonthlyUsage": c.minimum}
	return out, nil
}

func (s *Sim) getMonthlyUsagePerProductType(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p usageParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, err := s.resolveUsage(p)
	if err != nil {
		return nil, err
	}
	split := s.usageOf(c, m)
	var usages []map[string]any
	for _, pt := range []int{productEndpointSecurity, productEDR} {
		entry := split[pt].full()
		entry["productType"] = pt
		usages = append(usages, entry)
	}
	return map[string]any{"usages": usages}, nil
}

func (s *Sim) getLicenseInfo(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		CompanyID         *string `json:"companyId"`
		ReturnAllProducts *bool   `json:"returnAllProducts"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.companies[0]
	if p.CompanyID != nil {
		c = s.byID[*p.CompanyID]
		if c == nil {
			return nil, invalidParams("Invalid value for 'companyId'")
		}
	}
	now := s.now()
	used := usage{}
	for _, u := range s.usageOf(c, month{now.Year(), now.Month()}) {
		used.add(u)
	}
	additional := []int{}
	if c.addOns.edr {
		additional = append(additional, productEDR)
	}
	return map[string]any{
		"subscriptionType": 3, "isAddon": false, "expiryDate": nil,
		"usedSlots": used["endpointMonthlyUsage"], "totalSlots": nil, "reservedSlots": 0, "licenseKey": "",
		"endSubscription": time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05"),
		"autoRenewPeriod": 12, "minimumUsage": c.minimum,
		"manageExchange": c.addOns.exchange, "manageEncryption": c.addOns.encryption, "manageRemoteEnginesScanning": false,
		"manageHyperDetect": c.addOns.ats, "manageSandboxAnalyzer": c.addOns.ats, "managePatchManagement": c.addOns.patch,
		"manageEventCorrelator": c.addOns.edr, "manageEmailSecurity": c.addOns.email,
		"assignedProtectionModel": c.model, "additionalProductTypes": additional,
	}, nil
}
