package gravityzone

import (
	"context"
	"fmt"
)

// CompanyType is GravityZone's company kind.
type CompanyType int

const (
	// CompanyPartner is a partner (MSP or reseller) company: it groups other companies.
	CompanyPartner CompanyType = 0
	// CompanyCustomer is an end-customer company.
	CompanyCustomer CompanyType = 1
)

// Company is one node of the partner tree.
type Company struct {
	ID       string
	Name     string
	Type     CompanyType
	ParentID string // "" for the API key's own company
}

// CompanyDetails is companies.getCompanyDetails' answer.
type CompanyDetails struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Type          CompanyType    `json:"type"`
	ParentID      string         `json:"parentCompanyId"`
	Country       string         `json:"country"`
	Phone         string         `json:"phone"`
	Address       string         `json:"address"`
	IsSuspended   bool           `json:"isSuspended"`
	ContactPerson *ContactPerson `json:"contactPerson"`
}

// ContactPerson is a partner company's contact.
type ContactPerson struct {
	FullName    string `json:"fullName"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phoneNumber"`
}

// CompanyDetails returns a company's details; id "" means the API key's own company.
func (c *Client) CompanyDetails(ctx context.Context, id string) (CompanyDetails, error) {
	params := map[string]any{}
	if id != "" {
		params["companyId"] = id
	}
	var d CompanyDetails
	if err := c.Call(ctx, "companies", "getCompanyDetails", params, &d); err != nil {
		return CompanyDetails{}, err
	}
	return d, nil
}

type companyListItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// companiesList calls network.getCompaniesList for parentID's direct children, optionally
// only those of one type. The answer is a plain array: there is no paging.
func (c *Client) companiesList(ctx context.Context, parentID string, only *CompanyType) ([]companyListItem, error) {
	params := map[string]any{"parentId": parentID}
	if only != nil {
		params["filters"] = map[string]any{"companyType": int(*only)}
	}
	var items []companyListItem
	if err := c.Call(ctx, "network", "getCompaniesList", params, &items); err != nil {
		return nil, err
	}
	return items, nil
}

// Companies walks the tree below the API key's company, which comes first, then its
// descendants breadth first. getCompaniesList has no recursive option and names no type,
// so each partner node costs two calls (all children, then only the partner-type ones) and
// customers none: 1 + 2 × partners calls in all.
func (c *Client) Companies(ctx context.Context) ([]Company, error) {
	root, err := c.CompanyDetails(ctx, "")
	if err != nil {
		// The first call made with a key: its error says whether the URL or the key is wrong.
		return nil, err
	}
	out := []Company{{ID: root.ID, Name: root.Name, Type: root.Type}}
	if root.Type != CompanyPartner {
		return out, nil
	}
	partner := CompanyPartner
	// queue holds the indexes in out of the partners still to walk.
	queue := []int{0}
	for len(queue) > 0 {
		index := queue[0]
		queue = queue[1:]
		parentID := out[index].ID
		children, err := c.companiesList(ctx, parentID, nil)
		if IsInvalidParams(err) {
			// GravityZone answers "Invalid value for 'parentId'" for a customer-type
			// company: it is one, and has no children.
			out[index].Type = CompanyCustomer
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list the companies under %s: %w", parentID, err)
		}
		if len(children) == 0 {
			continue
		}
		partners, err := c.companiesList(ctx, parentID, &partner)
		if err != nil {
			return nil, fmt.Errorf("list the partner companies under %s: %w", parentID, err)
		}
		isPartner := make(map[string]bool, len(partners))
		for _, p := range partners {
			isPartner[p.ID] = true
		}
		for _, child := range children {
			co := Company{ID: child.ID, Name: child.Name, Type: CompanyCustomer, ParentID: parentID}
			if isPartner[child.ID] {
				co.Type = CompanyPartner
				queue = append(queue, len(out))
			}
			out = append(out, co)
		}
	}
	return out, nil
}
