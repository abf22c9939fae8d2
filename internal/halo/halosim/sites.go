package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// Site is a location of a client (SW Site). client_id is declared a double in Halo's schema.
type Site struct {
	ID              int            `json:"id"`
	Name            string         `json:"name"`
	ClientID        float64        `json:"client_id"`
	ClientName      string         `json:"client_name"`
	ClientSiteName  string         `json:"clientsite_name"`
	Inactive        bool           `json:"inactive"`
	SLAID           int            `json:"sla_id"`
	PhoneNumber     string         `json:"phonenumber"`
	Timezone        string         `json:"timezone"`
	Notes           string         `json:"notes"`
	MainContactID   int            `json:"maincontact_id"`
	MainContactName string         `json:"maincontact_name"`
	IsInvoiceSite   bool           `json:"isinvoicesite"`
	EmailDomain     string         `json:"emaildomain"`
	AccountsID      string         `json:"accountsid"`
	Ref             string         `json:"ref"`
	LastUpdate      string         `json:"slastupdate"`
	CustomFields    []CustomField  `json:"customfields"`
	ExternalLinks   []ExternalLink `json:"external_links"`
	Use             string         `json:"use"`
}

func (s *Sim) siteView(st Site) Site {
	st.ClientName = s.db.clients[int(st.ClientID)].Name
	st.ClientSiteName = st.ClientName + " - " + st.Name
	st.MainContactName = s.db.users[st.MainContactID].Name
	st.CustomFields = nonNil(slices.Clone(st.CustomFields))
	st.ExternalLinks = s.linksFor(tableSite, st.ID)
	st.Use = "site"
	return st
}

// createSite stores a new site with its General User, as Halo gives every new site one.
func (s *Sim) createSite(st Site) Site {
	st.ID = s.db.nextID("site")
	if st.SLAID == 0 {
		st.SLAID = -1
	}
	st.LastUpdate = s.stamp()
	s.db.sites[st.ID] = st
	s.createUser(User{Name: generalUserName, SiteID: float64(st.ID)})
	return st
}

func (s *Sim) listSites(c *call) reply {
	active, inactive := c.q.activeFilter()
	term := c.q.text("search")
	clientID, byClient := c.q.int("client_id")
	top, byTop := c.q.int("toplevel_id")
	updated := c.q.updateWindow()
	rows := filter(sortedValues(s.db.sites), func(st Site) bool {
		return keepActive(active, inactive, st.Inactive) && updated.keeps(st.LastUpdate) &&
			(term == "" || containsFold(st.Name, term)) &&
			(!byClient || int(st.ClientID) == clientID) &&
			(!byTop || s.db.clients[int(st.ClientID)].ToplevelID == top)
	})
	views := make([]Site, 0, len(rows))
	for _, st := range rows {
		views = append(views, s.siteView(st))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "sites", views, s.pageCap(false))
}

func (s *Sim) getSite(_ *call, seg string) reply {
	id, _ := parseID(seg)
	st, ok := s.db.sites[id]
	if !ok {
		return notFound("Site", seg)
	}
	return jsonReply(http.StatusOK, s.siteView(st))
}

func (s *Sim) postSites(_ *call, objs []object) reply {
	var out []Site
	for _, o := range objs {
		var base Site
		id := o.id()
		if id > 0 {
			existing, ok := s.db.sites[id]
			if !ok {
				return notFound("Site", id)
			}
			base = existing
		}
		st, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		st.Name = strings.TrimSpace(st.Name)
		if st.Name == "" {
			return badRequest("Please enter a name for the Site")
		}
		if _, ok := s.db.clients[int(st.ClientID)]; !ok || st.ClientID != float64(int(st.ClientID)) {
			return badRequest("Please select a valid Client")
		}
		st.ClientName, st.ClientSiteName, st.MainContactName, st.ExternalLinks = "", "", "", nil
		if id > 0 {
			st.LastUpdate = s.stamp()
			s.db.sites[id] = st
		} else {
			st = s.createSite(st)
		}
		if rep, ok := s.addNewLink(o, tableSite, st.ID, st.Name); !ok {
			return rep
		}
		out = append(out, s.siteView(st))
	}
	return saved(out)
}

func (s *Sim) deleteSite(_ *call, seg string) reply {
	id, _ := parseID(seg)
	st, ok := s.db.sites[id]
	if !ok {
		return notFound("Site", seg)
	}
	view := s.siteView(st)
	s.removeSite(id)
	return jsonReply(http.StatusOK, view)
}

// removeSite deletes a site and its users; a client whose main site it was is left without one.
func (s *Sim) removeSite(id int) {
	for _, u := range s.db.users {
		if int(u.SiteID) == id {
			s.removeUser(u.ID)
		}
	}
	if st, ok := s.db.sites[id]; ok {
		if cl, ok := s.db.clients[int(st.ClientID)]; ok && cl.MainSiteID == id {
			cl.MainSiteID, cl.LastUpdate = 0, s.stamp()
			s.db.clients[cl.ID] = cl
		}
	}
	s.dropLinks(tableSite, id)
	delete(s.db.sites, id)
}

// Sites returns every site ordered by id.
func (s *Sim) Sites() []Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Site{}
	for _, st := range sortedValues(s.db.sites) {
		out = append(out, s.siteView(st))
	}
	return out
}

// DeleteSite removes a site and its users.
func (s *Sim) DeleteSite(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeSite(id)
}
