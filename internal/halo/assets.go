package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Asset is a HaloPSA asset (Halo's "Device"): a device of a client's site. Its type decides
// what its key fields hold; host name, IP and MAC address live in Fields, by the names the
// instance gives them.
type Asset struct {
	ID, ClientID, SiteID, AssetTypeID                              int
	AssetTypeName, InventoryNumber, KeyField, KeyField2, KeyField3 string
	Inactive                                                       bool
	// Fields are the asset type's fields; CustomFields the custom fields, named by their
	// label (the name a person sees), falling back to the CF… name.
	Fields       []AssetField
	CustomFields []AssetField
}

// AssetField is one field of an asset and its value as text. On a create only ID and Value
// are sent.
type AssetField struct {
	ID          int
	Name, Value string
}

// AssetType is an asset type (Halo's "Xtype") and the fields that are its key fields.
type AssetType struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// KeyFieldName, KeyField2Name and KeyField3Name name the fields whose values an asset
	// of this type carries as key_field, key_field2 and key_field3.
	KeyFieldID    int    `json:"keyfield_id"`
	KeyFieldName  string `json:"keyfield_name"`
	KeyField2ID   int    `json:"keyfield2_id"`
	KeyField2Name string `json:"keyfield2_name"`
	KeyField3ID   int    `json:"keyfield3_id"`
	KeyField3Name string `json:"keyfield3_name"`
}

// AssetQuery filters Assets; zero fields do not filter. HaloPSA lists active assets only
// unless IncludeInactive.
type AssetQuery struct {
	ClientID        int
	IncludeInactive bool
}

// NewAsset is an asset to create: the asset type and the site are required by HaloPSA.
type NewAsset struct {
	ClientID, SiteID, AssetTypeID int
	InventoryNumber               string
	Fields                        []AssetField
}

// The permissions asset calls need (API.md §1.4); edit:assets grants read:assets too.
const (
	permReadAssets = "read:assets"
	permEditAssets = "edit:assets"
)

func (q AssetQuery) list() list {
	query := url.Values{"includeassetfields": {"true"}}
	setID(query, "client_id", q.ClientID)
	if q.IncludeInactive {
		query.Set("includeinactive", "true")
	}
	return list{template: "/Asset", key: "assets", query: query, pageSize: pageSizeUncapped}
}

// Assets returns the assets matching q with their fields, in as few pages as HaloPSA allows.
func (c *Client) Assets(ctx context.Context, q AssetQuery) ([]Asset, error) {
	rows, err := readAll[assetRecord](ctx, c, q.list())
	if err != nil {
		return nil, needsPermission(err, permReadAssets)
	}
	out := make([]Asset, len(rows))
	for i, r := range rows {
		out[i] = r.asset()
	}
	return out, nil
}

// CountAssets returns how many assets match q, in one request.
func (c *Client) CountAssets(ctx context.Context, q AssetQuery) (int, error) {
	n, err := count(ctx, c, q.list())
	return n, needsPermission(err, permReadAssets)
}

// AssetTypes returns every asset type (a bare array).
func (c *Client) AssetTypes(ctx context.Context) ([]AssetType, error) {
	types, err := readAll[AssetType](ctx, c, list{template: "/AssetType"})
	return types, needsPermission(err, permReadAssets)
}

// CreateAsset creates one asset with the body HaloPSA's own integrations send (API.md §5.4):
// isassetdetails says the fields are the asset's details, and _dontaddnewfields keeps a field
// id the type lacks from being added to the type.
func (c *Client) CreateAsset(ctx context.Context, a NewAsset) (Asset, error) {
	switch {
	case a.AssetTypeID <= 0:
		return Asset{}, errors.New("create asset: the asset type is required (HaloPSA: Please select a valid Asset Type)")
	case a.SiteID <= 0:
		return Asset{}, errors.New("create asset: the site is required (HaloPSA: Please select a valid Site)")
	}
	fields := make([]assetFieldWrite, 0, len(a.Fields))
	for _, f := range a.Fields {
		if f.ID <= 0 {
			return Asset{}, fmt.Errorf("create asset: field %q has no id: read the asset type's field ids from HaloPSA first", f.Name)
		}
		fields = append(fields, assetFieldWrite{ID: strconv.Itoa(f.ID), Value: f.Value})
	}
	body := assetWrite{
		DontAddNewFields: true, IsAssetDetails: true, ClientID: a.ClientID, SiteID: a.SiteID,
		AssetTypeID: a.AssetTypeID, InventoryNumber: a.InventoryNumber, Fields: fields,
	}
	answer, err := c.do(ctx, request{method: http.MethodPost, template: "/Asset", path: "/Asset", body: []assetWrite{body}})
	if err != nil {
		return Asset{}, needsPermission(err, permEditAssets)
	}
	saved, err := decodeOneOrMany[assetRecord](answer)
	if err != nil {
		return Asset{}, fmt.Errorf("decode answer of POST /Asset: %w", err)
	}
	if len(saved) == 0 {
		return Asset{}, errors.New("POST /Asset: HaloPSA answered without the saved asset")
	}
	return saved[0].asset(), nil
}

// needsPermission names the permission a call needs on a 403 that did not name one, so that
// the person who reads it knows what to grant.
func needsPermission(err error, permission string) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Permission == "" {
		ae.Permission = permission
	}
	return err
}

type assetWrite struct {
	DontAddNewFields bool              `json:"_dontaddnewfields"`
	IsAssetDetails   bool              `json:"isassetdetails"`
	ClientID         int               `json:"client_id,omitempty"`
	SiteID           int               `json:"site_id"`
	AssetTypeID      int               `json:"assettype_id"`
	InventoryNumber  string            `json:"inventory_number,omitempty"`
	Inactive         bool              `json:"inactive"`
	Fields           []assetFieldWrite `json:"fields,omitempty"`
}

// assetFieldWrite is a field value as HaloPSA's create body carries it: the id as text.
type assetFieldWrite struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// assetRecord is an asset as HaloPSA answers it.
type assetRecord struct {
	ID              int           `json:"id"`
	ClientID        int           `json:"client_id"`
	SiteID          int           `json:"site_id"`
	AssetTypeID     int           `json:"assettype_id"`
	AssetTypeName   string        `json:"assettype_name"`
	InventoryNumber string        `json:"inventory_number"`
	KeyField        string        `json:"key_field"`
	KeyField2       string        `json:"key_field2"`
	KeyField3       string        `json:"key_field3"`
	Inactive        bool          `json:"inactive"`
	Fields          []fieldRecord `json:"fields"`
	CustomFields    []fieldRecord `json:"customfields"`
}

// fieldRecord is an asset field (FieldHelper) or custom field (CustomField). Value is kept
// raw: HaloPSA answers text, numbers, booleans or a lookup object depending on the field.
type fieldRecord struct {
	ID      int             `json:"id"`
	Name    string          `json:"name"`
	Label   string          `json:"label"`
	Value   json.RawMessage `json:"value"`
	Display string          `json:"display"`
}

func (r assetRecord) asset() Asset {
	a := Asset{
		ID: r.ID, ClientID: r.ClientID, SiteID: r.SiteID, AssetTypeID: r.AssetTypeID,
		AssetTypeName: r.AssetTypeName, InventoryNumber: r.InventoryNumber,
		KeyField: r.KeyField, KeyField2: r.KeyField2, KeyField3: r.KeyField3, Inactive: r.Inactive,
	}
	for _, f := range r.Fields {
		a.Fields = append(a.Fields, AssetField{ID: f.ID, Name: f.Name, Value: f.text()})
	}
	for _, f := range r.CustomFields {
		name := strings.TrimSpace(f.Label)
		if name == "" {
			name = f.Name
		}
		a.CustomFields = append(a.CustomFields, AssetField{ID: f.ID, Name: name, Value: f.text()})
	}
	return a
}

// text is the field's value as a person reads it: text as is, a number or a boolean as
// written, a lookup (object or list) by its display text.
func (f fieldRecord) text() string {
	raw := bytes.TrimSpace(f.Value)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return f.Display
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case raw[0] == '{' || raw[0] == '[':
		return f.Display
	}
	return string(raw)
}

// TicketAsset is an asset as a ticket carries it: HaloPSA's ticket takes and answers
// assets: [{"id": N}].
type TicketAsset struct {
	ID int `json:"id"`
}
