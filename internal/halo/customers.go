package halo

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientRecord is a Halo client (a customer of the MSP; Halo's schema "Area"). The name
// avoids a clash with Client, the API client.
type ClientRecord struct {
	ID              int            `json:"id,omitempty"`
	Name            string         `json:"name,omitempty"`
	TopLevelID      int            `json:"toplevel_id,omitempty"`
	TopLevelName    string         `json:"toplevel_name,omitempty"`
	Inactive        bool           `json:"inactive,omitempty"`
	MainSiteID      int            `json:"main_site_id,omitempty"`
	MainSiteName    string         `json:"main_site_name,omitempty"`
	Ref             string         `json:"ref,omitempty"`
	AccountsID      string         `json:"accountsid,omitempty"`
	Website         string         `json:"website,omitempty"`
	Notes           string         `json:"notes,omitempty"`
	CustomFields    []CustomField  `json:"customfields,omitempty"`
	ExternalLinks   []ExternalLink `json:"external_links,omitempty"`
	NewExternalLink *ExternalLink  `json:"new_external_link,omitempty"`
}

// Site is a site of a Halo client.
type Site struct {
	ID              int            `json:"id,omitempty"`
	Name            string         `json:"name,omitempty"`
	ClientID        int            `json:"client_id,omitempty"`
	ClientName      string         `json:"client_name,omitempty"`
	ClientSiteName  string         `json:"clientsite_name,omitempty"`
	Inactive        bool           `json:"inactive,omitempty"`
	SLAID           int            `json:"sla_id,omitempty"`
	MainContactID   int            `json:"maincontact_id,omitempty"`
	MainContactName string         `json:"maincontact_name,omitempty"`
	PhoneNumber     string         `json:"phonenumber,omitempty"`
	ExternalLinks   []ExternalLink `json:"external_links,omitempty"`
}

// User is an end-user contact of a site (Halo's "Users").
type User struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Firstname    string `json:"firstname,omitempty"`
	Surname      string `json:"surname,omitempty"`
	EmailAddress string `json:"emailaddress,omitempty"`
	// Login is the user's network login: a UPN or DOMAIN\user.
	Login           string         `json:"login,omitempty"`
	PhoneNumber     string         `json:"phonenumber,omitempty"`
	SiteID          int            `json:"site_id,omitempty"`
	SiteName        string         `json:"site_name,omitempty"`
	ClientID        int            `json:"client_id,omitempty"`
	ClientName      string         `json:"client_name,omitempty"`
	Inactive        bool           `json:"inactive,omitempty"`
	AzureOID        string         `json:"azureoid,omitempty"`
	ThirdPartyID    string         `json:"third_party_id,omitempty"`
	ExternalLinks   []ExternalLink `json:"external_links,omitempty"`
	NewExternalLink *ExternalLink  `json:"new_external_link,omitempty"`
}

// GeneralUserName is the name Halo gives a site's catch-all contact by default, and the
// user name HaloPSA integration guides tell MSPs to create when a site lacks one.
const GeneralUserName = "General User"

// IsGeneralUser reports whether u is its site's General User. Halo's API has no flag for it
// on the record (only the exclude_generaluser list filter), so it is recognised by name,
// ignoring case and surrounding spaces.
func (u User) IsGeneralUser() bool {
	return strings.EqualFold(strings.TrimSpace(u.Name), GeneralUserName)
}

// GeneralUser returns the General User of siteID among users.
func GeneralUser(users []User, siteID int) (User, bool) {
	for _, u := range users {
		if u.SiteID == siteID && u.IsGeneralUser() {
			return u, true
		}
	}
	return User{}, false
}

// ExternalLink ties a Halo record to a record of another system.
type ExternalLink struct {
	ID             int    `json:"id,omitempty"`
	TableID        int    `json:"table_id,omitempty"`
	ModuleID       int    `json:"module_id,omitempty"`
	HaloID         int    `json:"halo_id,omitempty"`
	ThirdPartyID   string `json:"third_party_id,omitempty"`
	ThirdPartyDesc string `json:"third_party_desc,omitempty"`
	ThirdPartyType string `json:"third_party_type,omitempty"`
	Primary        bool   `json:"primary,omitempty"`
	HaloDesc       string `json:"halo_desc,omitempty"`
	DateCreated    string `json:"date_created,omitempty"`
}

// CustomField is a custom field value; on write only ID and Value matter.
type CustomField struct {
	ID    int    `json:"id"`
	Name  string `json:"name,omitempty"`
	Label string `json:"label,omitempty"`
	Value any    `json:"value"`
}

// ClientQuery filters Clients.
type ClientQuery struct {
	IncludeInactive bool
	Search          string
	TopLevelID      int
	Updated         Updated
}

// Updated keeps the records HaloPSA last changed within From and To, both included; a zero
// end leaves that side open. Clients, sites, users and tickets can be asked for by it.
type Updated struct {
	From, To time.Time
}

func (u Updated) set(q url.Values) {
	setTime(q, "lastupdatefromdate", u.From)
	setTime(q, "lastupdatetodate", u.To)
}

func (q ClientQuery) list() list {
	query := url.Values{}
	if q.IncludeInactive {
		query.Set("includeinactive", "true")
	}
	if q.Search != "" {
		query.Set("search", q.Search)
	}
	setID(query, "toplevel_id", q.TopLevelID)
	q.Updated.set(query)
	return list{template: "/Client", key: "clients", query: query, pageSize: pageSizeUncapped}
}

// Clients returns every client matching q.
func (c *Client) Clients(ctx context.Context, q ClientQuery) ([]ClientRecord, error) {
	return readAll[ClientRecord](ctx, c, q.list())
}

// CountClients returns how many clients match q, in one request.
func (c *Client) CountClients(ctx context.Context, q ClientQuery) (int, error) {
	return count(ctx, c, q.list())
}

// ClientIDs returns the ids of every client matching q, in one request.
func (c *Client) ClientIDs(ctx context.Context, q ClientQuery) ([]int, error) {
	return ids(ctx, c, q.list())
}

// Client returns one client.
func (c *Client) Client(ctx context.Context, id int) (ClientRecord, error) {
	var out ClientRecord
	err := c.getJSON(ctx, "/Client/{id}", idPath("Client", id), nil, &out)
	return out, err
}

// SiteQuery filters Sites; zero fields do not filter. HaloPSA lists active sites only.
type SiteQuery struct {
	ClientID int
	Updated  Updated
}

func (q SiteQuery) list() list {
	query := url.Values{}
	setID(query, "client_id", q.ClientID)
	q.Updated.set(query)
	return list{template: "/Site", key: "sites", query: query, pageSize: pageSizeUncapped}
}

// Sites returns the sites matching q.
func (c *Client) Sites(ctx context.Context, q SiteQuery) ([]Site, error) {
	return readAll[Site](ctx, c, q.list())
}

// CountSites returns how many sites match q, in one request.
func (c *Client) CountSites(ctx context.Context, q SiteQuery) (int, error) {
	return count(ctx, c, q.list())
}

// SiteIDs returns the ids of every site matching q, in one request.
func (c *Client) SiteIDs(ctx context.Context, q SiteQuery) ([]int, error) {
	return ids(ctx, c, q.list())
}

// UserQuery filters Users; zero fields do not filter.
type UserQuery struct {
	ClientID        int
	SiteID          int
	IncludeInactive bool
	Search          string
	Updated         Updated
}

func (q UserQuery) list() list {
	query := url.Values{"exclude_generaluser": {"false"}}
	setID(query, "client_id", q.ClientID)
	setID(query, "site_id", q.SiteID)
	if q.IncludeInactive {
		query.Set("includeinactive", "true")
	}
	if q.Search != "" {
		query.Set("search", q.Search)
	}
	q.Updated.set(query)
	return list{template: "/Users", key: "users", query: query, pageSize: pageSizeUncapped}
}

// Users returns the users matching q, General Users included (see User.IsGeneralUser).
func (c *Client) Users(ctx context.Context, q UserQuery) ([]User, error) {
	return readAll[User](ctx, c, q.list())
}

// CountUsers returns how many users match q, in one request.
func (c *Client) CountUsers(ctx context.Context, q UserQuery) (int, error) {
	return count(ctx, c, q.list())
}

// UserIDs returns the ids of every user matching q, in one request.
func (c *Client) UserIDs(ctx context.Context, q UserQuery) ([]int, error) {
	return ids(ctx, c, q.list())
}

// CreateClient creates a client; Halo answers with the saved record.
func (c *Client) CreateClient(ctx context.Context, client ClientRecord) (ClientRecord, error) {
	if err := mustCreate("client", client.ID); err != nil {
		return ClientRecord{}, err
	}
	return postOne(ctx, c, "/Client", client)
}

// CreateUser creates a user; SiteID is required by Halo.
func (c *Client) CreateUser(ctx context.Context, user User) (User, error) {
	if err := mustCreate("user", user.ID); err != nil {
		return User{}, err
	}
	return postOne(ctx, c, "/Users", user)
}

func setID(q url.Values, name string, id int) {
	if id != 0 {
		q.Set(name, strconv.Itoa(id))
	}
}

// dateLayout is how HaloPSA writes dates: ISO-8601 in UTC without a zone.
const dateLayout = "2006-01-02T15:04:05.000"

func setTime(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, t.UTC().Format(dateLayout))
	}
}
