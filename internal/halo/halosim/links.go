package halosim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ExternalLink ties a Halo record to a record in another system (SW ExternalLink_List).
type ExternalLink struct {
	ID                    int    `json:"id"`
	TableID               int    `json:"table_id"`
	ModuleID              int    `json:"module_id"`
	HaloID                int    `json:"halo_id"`
	ThirdPartyID          string `json:"third_party_id"`
	ThirdPartySecondaryID string `json:"third_party_secondary_id"`
	ThirdPartyDesc        string `json:"third_party_desc"`
	ThirdPartyType        string `json:"third_party_type"`
	ThirdPartyURL         string `json:"third_party_url"`
	Primary               bool   `json:"primary"`
	HaloDesc              string `json:"halo_desc"`
	DetailsID             int    `json:"details_id"`
	DateCreated           string `json:"date_created"`
	DateUpdated           string `json:"date_updated"`
}

// Halo table ids of linkable records. Only the client's 2 is observed (API.md §5.3); the
// others are this simulator's choice.
const (
	tableTicket = 1
	tableClient = 2
	tableSite   = 3
	tableUser   = 4
	tableItem   = 5
)

// linksFor returns the links on one record, as its external_links[] reads.
func (s *Sim) linksFor(table, haloID int) []ExternalLink {
	out := []ExternalLink{}
	for _, l := range sortedValues(s.db.links) {
		if l.TableID == table && l.HaloID == haloID {
			out = append(out, l)
		}
	}
	return out
}

// addNewLink stores a record's new_external_link, if one was sent.
func (s *Sim) addNewLink(o object, table, haloID int, haloDesc string) (reply, bool) {
	if !o.has("new_external_link") {
		return reply{}, true
	}
	l, rep, ok := patch(ExternalLink{}, o.unwrap("new_external_link"))
	if !ok {
		return rep, false
	}
	l.TableID, l.HaloID, l.HaloDesc = table, haloID, haloDesc
	s.saveLink(l)
	return reply{}, true
}

// unwrap returns the object nested under k (empty when k is not an object).
func (o object) unwrap(k string) object {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(o[k], &m); err != nil {
		return object{}
	}
	return lowerKeys(m)
}

func (s *Sim) saveLink(l ExternalLink) ExternalLink {
	now := s.stamp()
	if l.ID == 0 {
		l.ID = s.db.nextID("link")
		l.DateCreated = now
	}
	l.DateUpdated = now
	s.db.links[l.ID] = l
	return l
}

func (s *Sim) dropLinks(table, haloID int) {
	for id, l := range s.db.links {
		if l.TableID == table && l.HaloID == haloID {
			delete(s.db.links, id)
		}
	}
}

func (s *Sim) listLinks(c *call) reply {
	rows := sortedValues(s.db.links)
	for _, p := range []struct {
		name string
		get  func(ExternalLink) int
	}{
		{"table_id", func(l ExternalLink) int { return l.TableID }},
		{"module_id", func(l ExternalLink) int { return l.ModuleID }},
		{"halo_id", func(l ExternalLink) int { return l.HaloID }},
		{"details_id", func(l ExternalLink) int { return l.DetailsID }},
	} {
		if want, ok := c.q.int(p.name); ok {
			rows = filter(rows, func(l ExternalLink) bool { return p.get(l) == want })
		}
	}
	for _, p := range []struct {
		name string
		get  func(ExternalLink) string
	}{
		{"third_party_id", func(l ExternalLink) string { return l.ThirdPartyID }},
		{"third_party_secondary_id", func(l ExternalLink) string { return l.ThirdPartySecondaryID }},
		{"third_party_type", func(l ExternalLink) string { return l.ThirdPartyType }},
		{"third_party_desc", func(l ExternalLink) string { return l.ThirdPartyDesc }},
	} {
		if want, ok := c.q.getCI(p.name); ok {
			rows = filter(rows, func(l ExternalLink) bool { return strings.EqualFold(p.get(l), want) })
		}
	}
	if term := c.q.text("search"); term != "" {
		rows = filter(rows, func(l ExternalLink) bool {
			return containsFold(l.ThirdPartyID, term) || containsFold(l.ThirdPartyDesc, term) || containsFold(l.HaloDesc, term)
		})
	}
	return wrapped(c.q, "links", rows, s.pageCap(false))
}

func (s *Sim) getLink(_ *call, seg string) reply {
	id, _ := parseID(seg)
	l, ok := s.db.links[id]
	if !ok {
		return notFound("ExternalLink", seg)
	}
	return jsonReply(http.StatusOK, l)
}

func (s *Sim) postLinks(_ *call, objs []object) reply {
	var out []ExternalLink
	for _, o := range objs {
		base := ExternalLink{}
		if id := o.id(); id > 0 {
			existing, ok := s.db.links[id]
			if !ok {
				return notFound("ExternalLink", id)
			}
			base = existing
		}
		l, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		if l.TableID <= 0 || l.HaloID == 0 {
			return badRequest("An External Link needs a table_id and a halo_id")
		}
		out = append(out, s.saveLink(l))
	}
	return saved(out)
}

func (s *Sim) deleteLink(_ *call, seg string) reply {
	id, _ := parseID(seg)
	l, ok := s.db.links[id]
	if !ok {
		return notFound("ExternalLink", seg)
	}
	delete(s.db.links, id)
	return jsonReply(http.StatusOK, l)
}
