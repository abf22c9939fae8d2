package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// Client is a customer company (SW Area).
type Client struct {
	ID            int            `json:"id"`
	Name          string         `json:"name"`
	ToplevelID    int            `json:"toplevel_id"`
	ToplevelName  string         `json:"toplevel_name"`
	Inactive      bool           `json:"inactive"`
	Colour        string         `json:"colour"`
	Notes         string         `json:"notes"`
	Website       string         `json:"website"`
	Ref           string         `json:"ref"`
	AccountsID    string         `json:"accountsid"`
	IsVIP         bool           `json:"is_vip"`
	MainSiteID    int            `json:"main_site_id"`
	MainSiteName  string         `json:"main_site_name"`
	DateCreated   string         `json:"datecreated"`
	LastUpdate    string         `json:"alastupdate"`
	Stopped       int            `json:"stopped"`
	CustomerType  int            `json:"customertype"`
	Taxable       bool           `json:"taxable"`
	CustomFields  []CustomField  `json:"customfields"`
	ExternalLinks []ExternalLink `json:"external_links"`
	Use           string         `json:"use"`
	Key           int            `json:"key"`
	Table         int            `json:"table"`
}

// CustomField is a custom field value on a record.
type CustomField struct {
	ID    int    `json:"id"`
	Name  string `json:"name,omitempty"`
	Value any    `json:"value"`
}

// defaultToplevelID is the top level new clients join when none is given.
const defaultToplevelID = 1

// clientView is a client as the API shows it, derived fields filled in.
func (s *Sim) clientView(c Client) Client {
	c.ToplevelName = s.db.toplevels[c.ToplevelID]
	c.MainSiteName = s.db.sites[c.MainSiteID].Name
	c.CustomFields = nonNil(slices.Clone(c.CustomFields))
	c.ExternalLinks = s.linksFor(tableClient, c.ID)
	c.Use, c.Key, c.Table = "client", c.ID, tableClient
	return c
}

func (s *Sim) listClients(c *call) reply {
	active, inactive := c.q.activeFilter()
	term := c.q.text("search")
	top, hasTop := c.q.int("toplevel_id")
	updated := c.q.updateWindow()
	rows := filter(sortedValues(s.db.clients), func(cl Client) bool {
		return keepActive(active, inactive, cl.Inactive) && updated.keeps(cl.LastUpdate) &&
			(term == "" || containsFold(cl.Name, term)) &&
			(!hasTop || cl.ToplevelID == top)
	})
	views := make([]Client, 0, len(rows))
	for _, cl := range rows {
		views = append(views, s.clientView(cl))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "clients", views, s.pageCap(false))
}

func (s *Sim) getClient(_ *call, seg string) reply {
	id, _ := parseID(seg)
	cl, ok := s.db.clients[id]
	if !ok {
		return notFound("Client", seg)
	}
	return jsonReply(http.StatusOK, s.clientView(cl))
}

// postClients creates clients (each with a main site, named by newclient_sitename or "Main")
// and updates the fields sent on existing ones.
func (s *Sim) postClients(_ *call, objs []object) reply {
	var out []Client
	for _, o := range objs {
		base := Client{ToplevelID: defaultToplevelID}
		id := o.id()
		if id > 0 {
			existing, ok := s.db.clients[id]
			if !ok {
				return notFound("Client", id)
			}
			base = existing
		}
		cl, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		cl.Name = strings.TrimSpace(cl.Name)
		if cl.Name == "" {
			return badRequest("Please enter a name for the Client")
		}
		if id > 0 {
			if site, ok := s.db.sites[cl.MainSiteID]; cl.MainSiteID != base.MainSiteID && (!ok || int(site.ClientID) != id) {
				return badRequest("Site %d does not belong to Client %d", cl.MainSiteID, id)
			}
		} else {
			cl.ID = s.db.nextID("client")
			cl.DateCreated = s.stamp()
			siteName := "Main"
			if name, ok := o.text("newclient_sitename"); ok && strings.TrimSpace(name) != "" {
				siteName = strings.TrimSpace(name)
			}
			cl.MainSiteID = s.createSite(Site{Name: siteName, ClientID: float64(cl.ID)}).ID
		}
		cl.ExternalLinks, cl.ToplevelName, cl.MainSiteName = nil, "", ""
		cl.LastUpdate = s.stamp()
		s.db.clients[cl.ID] = cl
		if rep, ok := s.addNewLink(o, tableClient, cl.ID, cl.Name); !ok {
			return rep
		}
		out = append(out, s.clientView(cl))
	}
	return saved(out)
}

func (s *Sim) deleteClient(_ *call, seg string) reply {
	id, _ := parseID(seg)
	cl, ok := s.db.clients[id]
	if !ok {
		return notFound("Client", seg)
	}
	view := s.clientView(cl)
	s.removeClient(id)
	return jsonReply(http.StatusOK, view)
}

// removeClient deletes a client with its sites and their users; tickets and invoices that
// name it stay, as they would in Halo's history.
func (s *Sim) removeClient(id int) {
	for _, site := range s.db.sites {
		if int(site.ClientID) == id {
			s.removeSite(site.ID)
		}
	}
	s.dropLinks(tableClient, id)
	delete(s.db.clients, id)
}

// Client returns a client as GET /api/Client/{id} shows it.
func (s *Sim) Client(id int) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, ok := s.db.clients[id]
	if !ok {
		return Client{}, false
	}
	return s.clientView(cl), true
}

// Clients returns every client, active or not, ordered by id.
func (s *Sim) Clients() []Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Client{}
	for _, cl := range sortedValues(s.db.clients) {
		out = append(out, s.clientView(cl))
	}
	return out
}

// UpdateClient changes a client in place (for tests and the demo to set a scene). Like a
// change made in HaloPSA, it sets the client's last update to now before fn runs, so fn may
// set another.
func (s *Sim) UpdateClient(id int, fn func(*Client)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cl, ok := s.db.clients[id]; ok {
		cl.LastUpdate = s.stamp()
		fn(&cl)
		cl.ID = id
		s.db.clients[id] = cl
	}
}

// DeleteClient removes a client with its sites and users.
func (s *Sim) DeleteClient(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeClient(id)
}
