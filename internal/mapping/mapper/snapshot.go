package mapper

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Snapshot is the stored HaloPSA catalog in the shapes mapping decides on:
// every client (inactive ones too), every site with whether it has a
// General User.
type Snapshot struct {
	clients []mapping.HaloClient
	byID    map[int]mapping.HaloClient
	records map[int]halo.ClientRecord
	sites   map[int]mapping.Site
}

// LoadSnapshot reads the partner's stored catalog as a Snapshot.
func LoadSnapshot(ctx context.Context, st *store.Store, partnerID int64) (*Snapshot, error) {
	clients, err := st.Catalog(ctx, partnerID, store.KindClient)
	if err != nil {
		return nil, err
	}
	sites, err := st.Catalog(ctx, partnerID, store.KindSite)
	if err != nil {
		return nil, err
	}
	users, err := st.Catalog(ctx, partnerID, store.KindUser)
	if err != nil {
		return nil, err
	}
	snap := newSnapshot()
	for _, e := range clients {
		var r halo.ClientRecord
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return nil, fmt.Errorf("stored HaloPSA client %s: %w", e.HaloID, err)
		}
		snap.addClient(r)
	}
	withGU := map[string]bool{}
	for _, u := range users {
		if (halo.User{Name: u.Name}).IsGeneralUser() {
			withGU[u.ParentID] = true
		}
	}
	for _, e := range sites {
		var r halo.Site
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return nil, fmt.Errorf("stored HaloPSA site %s: %w", e.HaloID, err)
		}
		snap.sites[r.ID] = siteOf(r, withGU[e.HaloID])
	}
	return snap, nil
}

func newSnapshot() *Snapshot {
	return &Snapshot{byID: map[int]mapping.HaloClient{}, records: map[int]halo.ClientRecord{}, sites: map[int]mapping.Site{}}
}

func (s *Snapshot) addClient(r halo.ClientRecord) {
	cl := clientOf(r)
	s.clients = append(s.clients, cl)
	s.byID[cl.ID] = cl
	s.records[cl.ID] = r
}

// clientOf is what matching knows of a HaloPSA client. Its domain is its
// website: the site e-mail domains are not part of the client's site
// record, and users are read only to find General Users.
func clientOf(r halo.ClientRecord) mapping.HaloClient {
	cl := mapping.HaloClient{ID: r.ID, Name: r.Name, Inactive: r.Inactive, TopLevelID: r.TopLevelID, Website: r.Website}
	for _, l := range r.ExternalLinks {
		if l.ThirdPartyType == "" || l.ThirdPartyID == "" {
			continue
		}
		if cl.ExternalIDs == nil {
			cl.ExternalIDs = map[string]string{}
		}
		cl.ExternalIDs[mapping.ExternalKey(source.Kind(l.ThirdPartyType), l.ThirdPartyID)] = l.ThirdPartyDesc
	}
	return cl
}

func siteOf(r halo.Site, hasGeneralUser bool) mapping.Site {
	return mapping.Site{ID: r.ID, ClientID: r.ClientID, Name: r.Name, HasGeneralUser: hasGeneralUser, Inactive: r.Inactive}
}

// externalLink is the link halobridge writes on a HaloPSA client for a
// customer, the evidence of mapping.RuleExternalID.
func externalLink(kind source.Kind, c source.Customer) *halo.ExternalLink {
	return &halo.ExternalLink{ThirdPartyType: string(kind), ThirdPartyID: c.ID, ThirdPartyDesc: c.Name}
}

// Client is the client of id, false when HaloPSA no longer has it.
func (s *Snapshot) Client(id int) (mapping.HaloClient, bool) {
	cl, ok := s.byID[id]
	return cl, ok
}

// ClientName names a client for people, even one HaloPSA no longer has.
func (s *Snapshot) ClientName(id int) string {
	if cl, ok := s.byID[id]; ok {
		return cl.Name
	}
	return "client id " + strconv.Itoa(id)
}
