package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// User is an end-user contact at a site (SW Users). site_id is declared a double in Halo's
// schema; site_id_int carries the same id as an integer.
type User struct {
	ID                 int            `json:"id"`
	Name               string         `json:"name"`
	FirstName          string         `json:"firstname"`
	Surname            string         `json:"surname"`
	Initials           string         `json:"initials"`
	Title              string         `json:"title"`
	EmailAddress       string         `json:"emailaddress"`
	PhoneNumber        string         `json:"phonenumber"`
	MobileNumber       string         `json:"mobilenumber"`
	Login              string         `json:"login"`
	SiteID             float64        `json:"site_id"`
	SiteIDInt          int            `json:"site_id_int"`
	SiteName           string         `json:"site_name"`
	ClientID           int            `json:"client_id"`
	ClientName         string         `json:"client_name"`
	Inactive           bool           `json:"inactive"`
	IsImportantContact bool           `json:"isimportantcontact"`
	Notes              string         `json:"notes"`
	LinkedAgentID      int            `json:"linked_agent_id"`
	AzureOID           string         `json:"azureoid"`
	ThirdPartyID       string         `json:"third_party_id"`
	IsServiceAccount   bool           `json:"isserviceaccount"`
	LastUpdate         string         `json:"ulastupdate"`
	CustomFields       []CustomField  `json:"customfields"`
	ExternalLinks      []ExternalLink `json:"external_links"`
	Use                string         `json:"use"`
}

// generalUserName is how the simulator recognises a site's General User: a user of that site
// whose name is "General User" (any case), the record the DefensX guide tells MSPs to create.
const generalUserName = "General User"

func isGeneralUser(u User) bool {
	return strings.EqualFold(strings.TrimSpace(u.Name), generalUserName)
}

// generalUserOf returns the active General User of a site, the first by id when it has
// several. It looks through the users without sorting them all: every ticket for a site
// asks, and a simulator of thousands of clients has tens of thousands of users.
func (s *Sim) generalUserOf(siteID int) (User, bool) {
	var found User
	for _, u := range s.db.users {
		if int(u.SiteID) == siteID && !u.Inactive && isGeneralUser(u) && (found.ID == 0 || u.ID < found.ID) {
			found = u
		}
	}
	return found, found.ID != 0
}

func (s *Sim) userView(u User) User {
	st := s.db.sites[int(u.SiteID)]
	u.SiteIDInt = int(u.SiteID)
	u.SiteName = st.Name
	u.ClientID = int(st.ClientID)
	u.ClientName = s.db.clients[u.ClientID].Name
	u.CustomFields = nonNil(slices.Clone(u.CustomFields))
	u.ExternalLinks = s.linksFor(tableUser, u.ID)
	u.Use = "user"
	return u
}

func (s *Sim) createUser(u User) User {
	u.ID, u.LastUpdate = s.db.nextID("user"), s.stamp()
	s.db.users[u.ID] = u
	return u
}

func (s *Sim) listUsers(c *call) reply {
	active, inactive := c.q.activeFilter()
	term := c.q.text("search")
	clientID, byClient := c.q.int("client_id")
	siteID, bySite := c.q.int("site_id")
	noGeneral := c.q.flag("exclude_generaluser", false)
	updated := c.q.updateWindow()
	rows := filter(sortedValues(s.db.users), func(u User) bool {
		st := s.db.sites[int(u.SiteID)]
		return keepActive(active, inactive, u.Inactive) && updated.keeps(u.LastUpdate) &&
			(term == "" || containsFold(u.Name, term) || containsFold(u.EmailAddress, term) || containsFold(u.Login, term)) &&
			(!byClient || int(st.ClientID) == clientID) &&
			(!bySite || int(u.SiteID) == siteID) &&
			(!noGeneral || !isGeneralUser(u))
	})
	views := make([]User, 0, len(rows))
	for _, u := range rows {
		views = append(views, s.userView(u))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "users", views, s.pageCap(false))
}

func (s *Sim) getUser(_ *call, seg string) reply {
	id, _ := parseID(seg)
	u, ok := s.db.users[id]
	if !ok {
		return notFound("User", seg)
	}
	return jsonReply(http.StatusOK, s.userView(u))
}

func (s *Sim) postUsers(_ *call, objs []object) reply {
	var out []User
	for _, o := range objs {
		var base User
		id := o.id()
		if id > 0 {
			existing, ok := s.db.users[id]
			if !ok {
				return notFound("User", id)
			}
			base = existing
		}
		u, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		u.Name = strings.TrimSpace(u.Name)
		if u.Name == "" {
			u.Name = strings.TrimSpace(u.FirstName + " " + u.Surname)
		}
		if u.Name == "" {
			return badRequest("Please enter a name for the User")
		}
		if _, ok := s.db.sites[int(u.SiteID)]; !ok || u.SiteID != float64(int(u.SiteID)) {
			return badRequest("Please select a valid Site")
		}
		if id > 0 {
			u.LastUpdate = s.stamp()
			s.db.users[id] = u
		} else {
			u = s.createUser(u)
		}
		if rep, ok := s.addNewLink(o, tableUser, u.ID, u.Name); !ok {
			return rep
		}
		out = append(out, s.userView(u))
	}
	return saved(out)
}

func (s *Sim) deleteUser(_ *call, seg string) reply {
	id, _ := parseID(seg)
	u, ok := s.db.users[id]
	if !ok {
		return notFound("User", seg)
	}
	view := s.userView(u)
	s.removeUser(id)
	return jsonReply(http.StatusOK, view)
}

func (s *Sim) removeUser(id int) {
	s.dropLinks(tableUser, id)
	delete(s.db.users, id)
}

// Users returns every user ordered by id.
func (s *Sim) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []User{}
	for _, u := range sortedValues(s.db.users) {
		out = append(out, s.userView(u))
	}
	return out
}

// DeleteUser removes a user (deleting a site's General User breaks ticket creation there).
func (s *Sim) DeleteUser(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeUser(id)
}
