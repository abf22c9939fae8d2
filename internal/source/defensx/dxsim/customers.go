package dxsim

import "net/url"

type customerBody struct {
	ID        string   `json:"id"`
	PartnerID string   `json:"partnerId"`
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Domains   []string `json:"domains"`
}

func (s *Sim) customerBody(c *customer) customerBody {
	return customerBody{ID: c.ID, PartnerID: s.partnerID, Name: c.Name, Enabled: !c.Disabled, Domains: []string{c.Domain}}
}

// status answers GET /status.
func (s *Sim) status(url.Values) reply {
	return ok(struct {
		Customers int `json:"customers"`
	}{len(s.customers)})
}

// productList answers GET /products.
func (s *Sim) productList(url.Values) reply { return ok(s.products) }

// customerList answers GET /customers: a plain array, as the spec's CustomerList.
func (s *Sim) customerList(url.Values) reply {
	out := make([]customerBody, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, s.customerBody(c))
	}
	return ok(out)
}

// selfCustomer answers GET /customers/self: the partner's own customer.
func (s *Sim) selfCustomer(url.Values) reply { return ok(s.customerBody(s.self)) }

// Self returns the partner's own customer.
func (s *Sim) Self() Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.self.Customer
}

// Customers returns the partner's customers, the partner's own excluded.
func (s *Sim) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, c.Customer)
	}
	return out
}

// Subscriptions returns every subscription.
func (s *Sim) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Subscription(nil), s.subs...)
}

// APIKey is the Partner API key the simulator accepts.
func (s *Sim) APIKey() string { return s.opts.APIKey }
