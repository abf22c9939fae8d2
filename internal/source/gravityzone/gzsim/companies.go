package gzsim

import (
	"context"
	"encoding/json"
	"slices"
)

// Company types on the wire.
const (
	typePartner  = 0
	typeCustomer = 1
)

// License types of getCompaniesList's filter: every simulated company is monthly.
const licenseMonthly = 3

func (c *company) wireType() int {
	if c.Partner {
		return typePartner
	}
	return typeCustomer
}

func (s *Sim) getAPIKeyDetails(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct{}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	enabled := slices.Clone(s.opts.Services)
	slices.Sort(enabled)
	return map[string]any{"enabledApis": enabled, "createdAt": "2024-01-15T09:30:00"}, nil
}

// getCompaniesList answers the direct children of parentId as a plain array: no paging,
// no recursion, and a customer-type parent is "Invalid value for 'parentId'".
func (s *Sim) getCompaniesList(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		ParentID *string `json:"parentId"`
		Filters  *struct {
			CompanyType *int `json:"companyType"`
			LicenseType *int `json:"licenseType"`
		} `json:"filters"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := s.companies[0]
	if p.ParentID != nil {
		parent = s.byID[*p.ParentID]
		if parent == nil || !parent.Partner {
			return nil, invalidParams("Invalid value for 'parentId'")
		}
	}
	if p.Filters != nil {
		if t := p.Filters.CompanyType; t != nil && *t != typePartner && *t != typeCustomer {
			return nil, invalidParams("Invalid value for 'filters.companyType'")
		}
		if t := p.Filters.LicenseType; t != nil && (*t < 1 || *t > 3) {
			return nil, invalidParams("Invalid value for 'filters.licenseType'")
		}
	}
	out := []map[string]string{}
	for _, c := range s.children(parent) {
		if p.Filters != nil && p.Filters.CompanyType != nil && *p.Filters.CompanyType != c.wireType() {
			continue
		}
		if p.Filters != nil && p.Filters.LicenseType != nil && *p.Filters.LicenseType != licenseMonthly {
			continue
		}
		out = append(out, map[string]string{"id": c.ID, "name": c.Name})
	}
	return out, nil
}

func (s *Sim) getCompanyDetails(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		CompanyID *string `json:"companyId"`
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
	var parent any
	if c.ParentID != "" {
		parent = c.ParentID
	}
	details := map[string]any{
		"id": c.ID, "name": c.Name, "type": c.wireType(), "country": c.country, "state": "N/A",
		"phone": c.phone, "address": c.address, "parentCompanyId": parent, "isSuspended": false,
		"canBeManagedByAbove": true, "enforce2FA": false,
		"createdAt": c.createdAt.Format("2006-01-02T15:04:05"),
	}
	if c.Partner {
		details["contactPerson"] = map[string]any{
			"fullName": "Service Desk", "email": "servicedesk@" + c.domain, "phoneNumber": c.phone,
		}
	}
	return details, nil
}
