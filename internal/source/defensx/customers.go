package defensx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Customer is a DefensX customer as the Partner API describes it.
type Customer struct {
	ID        string   `json:"id"`
	PartnerID string   `json:"partnerId"`
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Domains   []string `json:"domains"`
}

// Product is one subscription product (SKU) the partner can sell.
type Product struct {
	ID   int    `json:"id"`
	SKU  string `json:"sku"`
	Name string `json:"name"`
}

// Status answers GET /status: the number of customers the key sees. It is the cheapest call
// that proves the key works.
func (c *Client) Status(ctx context.Context) (int, error) {
	var out struct {
		Customers int `json:"customers"`
	}
	if err := c.get(ctx, "/status", nil, &out); err != nil {
		return 0, err
	}
	return out.Customers, nil
}

// Products lists the subscription products (GET /products).
func (c *Client) Products(ctx context.Context) ([]Product, error) {
	var out []Product
	if err := c.get(ctx, "/products", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Self returns the partner's own customer (GET /customers/self).
func (c *Client) Self(ctx context.Context) (Customer, error) {
	var out Customer
	if err := c.get(ctx, "/customers/self", nil, &out); err != nil {
		return Customer{}, err
	}
	return out, nil
}

// maxPages stops a paging loop whose server keeps announcing more pages.
const maxPages = 10000

// Customers lists every customer under the partner (GET /customers). The spec answers a
// plain array; should DefensX ever page the list like its other lists
// ({items, page, totalPages…}), every page is read.
func (c *Client) Customers(ctx context.Context) ([]Customer, error) {
	var all []Customer
	for page := 1; page <= maxPages; page++ {
		var q url.Values
		if page > 1 {
			q = url.Values{"page": {strconv.Itoa(page)}}
		}
		var raw json.RawMessage
		if err := c.get(ctx, "/customers", q, &raw); err != nil {
			return nil, err
		}
		if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
			var list []Customer
			if err := json.Unmarshal(trimmed, &list); err != nil {
				return nil, fmt.Errorf("DefensX customer list: %w", err)
			}
			return append(all, list...), nil
		}
		var paged struct {
			Items []Customer `json:"items"`
			Pagination
		}
		if err := json.Unmarshal(raw, &paged); err != nil {
			return nil, fmt.Errorf("DefensX customer list: %w", err)
		}
		all = append(all, paged.Items...)
		if paged.last(page, len(paged.Items)) {
			return all, nil
		}
	}
	return nil, fmt.Errorf("DefensX customer list still had more pages after %d", maxPages)
}

// Pagination is the paging object DefensX adds to its paged lists.
type Pagination struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
	TotalCount int `json:"totalCount"`
	NItems     int `json:"nitems"`
}

// last reports whether page (1-based, holding n items) is the final one. Without
// totalPages, a page shorter than its limit ends the list, and so does an answer that
// carries no paging object at all.
func (p Pagination) last(page, n int) bool {
	switch {
	case p.TotalPages > 0:
		return page >= p.TotalPages
	case p.Limit > 0:
		return n < p.Limit
	default:
		return true
	}
}
