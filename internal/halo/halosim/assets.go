package halosim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Asset is a device of a client's site (SW Device). Its type's key fields are copied into
// key_field, key_field2 and key_field3; fields are listed only with includeassetfields (on a
// list) and always on a single asset.
type Asset struct {
	ID              int          `json:"id"`
	InventoryNumber string       `json:"inventory_number"`
	KeyField        string       `json:"key_field"`
	KeyField2       string       `json:"key_field2"`
	KeyField3       string       `json:"key_field3"`
	ClientID        int          `json:"client_id"`
	ClientName      string       `json:"client_name"`
	SiteID          int          `json:"site_id"`
	SiteName        string       `json:"site_name"`
	AssetTypeID     int          `json:"assettype_id"`
	AssetTypeName   string       `json:"assettype_name"`
	StatusID        int          `json:"status_id"`
	Inactive        bool         `json:"inactive"`
	Fields          []AssetValue `json:"fields,omitempty"`
	CustomFields    []AssetCF    `json:"customfields"`
	Use             string       `json:"use"`
}

// AssetValue is one field of an asset (SW FieldHelper).
type AssetValue struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// AssetCF is a custom field of an asset (SW CustomField): name is the CF… name, label what
// a person sees.
type AssetCF struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// AssetType is an asset type (SW Xtype) with the fields its assets carry (SW TypeInfo).
type AssetType struct {
	ID            int             `json:"id"`
	Name          string          `json:"name"`
	KeyFieldID    int             `json:"keyfield_id"`
	KeyFieldName  string          `json:"keyfield_name"`
	KeyField2ID   int             `json:"keyfield2_id"`
	KeyField2Name string          `json:"keyfield2_name"`
	KeyField3ID   int             `json:"keyfield3_id"`
	KeyField3Name string          `json:"keyfield3_name"`
	Fields        []AssetTypeInfo `json:"fields"`
}

// AssetTypeInfo is one field of an asset type (SW TypeInfo).
type AssetTypeInfo struct {
	FieldID   int    `json:"field_id"`
	FieldName string `json:"field_name"`
	Sequence  int    `json:"sequence"`
}

// TicketAsset is an asset as a ticket lists it (SW Device_List); a write sends only the id.
type TicketAsset struct {
	ID              int    `json:"id"`
	InventoryNumber string `json:"inventory_number,omitempty"`
	KeyField        string `json:"key_field,omitempty"`
	AssetTypeName   string `json:"assettype_name,omitempty"`
}

var (
	scopesReadAssets = []string{"read:assets"}
	scopesEditAssets = []string{"edit:assets"}
)

// The asset fields of the seeded instance. Field ids are per instance in HaloPSA: clients
// find them by name (API.md §3.19).
const (
	fieldHostname  = 101
	fieldIPAddress = 102
	fieldMAC       = 103
	fieldOS        = 104
	fieldSerial    = 117
	// cfLastUser is the seeded custom field of assets.
	cfLastUser = 201
)

var assetFieldNames = map[int]string{
	fieldHostname: "Hostname", fieldIPAddress: "IP Address", fieldMAC: "MAC Address",
	fieldOS: "Operating System", fieldSerial: "Serial Number",
}

// The seeded asset types.
const (
	assetTypeWorkstation = 1
	assetTypeServer      = 2
	assetTypeLaptop      = 3
)

func seedAssetTypes(db *store) {
	fields := []AssetTypeInfo{}
	for i, id := range []int{fieldHostname, fieldIPAddress, fieldMAC, fieldSerial, fieldOS} {
		fields = append(fields, AssetTypeInfo{FieldID: id, FieldName: assetFieldNames[id], Sequence: i + 1})
	}
	for id, name := range map[int]string{assetTypeWorkstation: "Workstation", assetTypeServer: "Server", assetTypeLaptop: "Laptop"} {
		db.assetTypes[id] = AssetType{
			ID: id, Name: name,
			KeyFieldID: fieldHostname, KeyFieldName: assetFieldNames[fieldHostname],
			KeyField2ID: fieldSerial, KeyField2Name: assetFieldNames[fieldSerial],
			KeyField3ID: fieldIPAddress, KeyField3Name: assetFieldNames[fieldIPAddress],
			Fields: fields,
		}
	}
}

// seedAssets gives every active client the devices the GravityZone simulator names for a
// company of the same name (PREFIX-SRV01, PREFIX-WS02, PREFIX-WS03: see gzsim hostPrefix),
// so that the demo suggests matches, plus near misses a matcher must not take for them (a
// FQDN, a lower-case name with another number, a renamed laptop) and one inactive device.
// Nothing is drawn from the seed's random stream, so the rest of the seed stays as it was.
func seedAssets(s *Sim) {
	db := s.db
	db.reserveID("asset", 7000)
	for _, cl := range sortedValues(db.clients) {
		if cl.Inactive {
			continue
		}
		prefix := hostPrefix(cl.Name)
		domain := strings.ToLower(prefix) + ".example"
		net := 10 + cl.ID%200
		for n, d := range []struct {
			typ                int
			host, inv, os      string
			inactive, fqdnOnly bool
		}{
			{typ: assetTypeServer, host: prefix + "-SRV01", os: "Windows Server 2022"},
			{typ: assetTypeWorkstation, host: prefix + "-WS02", os: "Windows 11 Pro"},
			{typ: assetTypeWorkstation, host: prefix + "-WS03", os: "Windows 11 Pro"},
			{typ: assetTypeWorkstation, host: strings.ToLower(prefix) + "-ws2", os: "Windows 10 Pro"},
			{typ: assetTypeLaptop, host: prefix + "-LT04-OLD", os: "Windows 10 Pro", inactive: true},
			{typ: assetTypeLaptop, host: strings.ToLower(prefix) + "-lt05." + domain, os: "macOS 14", fqdnOnly: true},
		} {
			a := Asset{
				ID: db.nextID("asset"), ClientID: cl.ID, SiteID: cl.MainSiteID, AssetTypeID: d.typ,
				InventoryNumber: d.host, Inactive: d.inactive, StatusID: 1,
				Fields: []AssetValue{
					{ID: fieldHostname, Value: d.host},
					{ID: fieldIPAddress, Value: "10." + strconv.Itoa(net) + ".1." + strconv.Itoa(10+n)},
					{ID: fieldMAC, Value: seedMAC(cl.ID, n)},
					{ID: fieldSerial, Value: "SN" + strconv.Itoa(cl.ID*100+n)},
					{ID: fieldOS, Value: d.os},
				},
				CustomFields: []AssetCF{{ID: cfLastUser, Name: "CFLastLoggedOnUser", Label: "Last Logged On User"}},
			}
			if d.fqdnOnly {
				a.InventoryNumber = "A-" + strconv.Itoa(a.ID)
			}
			a = keyFields(a, db.assetTypes[d.typ])
			db.assets[a.ID] = a
		}
	}
}

// hostPrefix makes a machine-name prefix of a company name the way the GravityZone
// simulator does: "Fabrikam, Inc." → "FABRIKAM".
func hostPrefix(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return "HOST"
	}
	p := strings.ToUpper(words[0])
	if len(p) > 8 {
		p = p[:8]
	}
	return p
}

func seedMAC(clientID, n int) string {
	return strings.ToUpper(strings.Join([]string{"00", "1A", hex2(clientID >> 8), hex2(clientID), hex2(n), "01"}, ":"))
}

func hex2(n int) string {
	s := strconv.FormatInt(int64(n&0xff), 16)
	if len(s) == 1 {
		s = "0" + s
	}
	return s
}

// keyFields copies the values of the type's key fields into the asset.
func keyFields(a Asset, t AssetType) Asset {
	value := func(id int) string {
		for _, f := range a.Fields {
			if f.ID == id {
				return f.Value
			}
		}
		return ""
	}
	a.KeyField, a.KeyField2, a.KeyField3 = value(t.KeyFieldID), value(t.KeyField2ID), value(t.KeyField3ID)
	return a
}

func (s *Sim) assetView(a Asset, withFields bool) Asset {
	a.ClientName = s.db.clients[a.ClientID].Name
	a.SiteName = s.db.sites[a.SiteID].Name
	a.AssetTypeName = s.db.assetTypes[a.AssetTypeID].Name
	a.Use = "asset"
	a.CustomFields = nonNil(slices.Clone(a.CustomFields))
	if !withFields {
		a.Fields = nil
		return a
	}
	fields := make([]AssetValue, len(a.Fields))
	for i, f := range a.Fields {
		f.Name = assetFieldNames[f.ID]
		fields[i] = f
	}
	a.Fields = fields
	return a
}

func (s *Sim) listAssets(c *call) reply {
	active, inactive := c.q.activeFilter()
	term := c.q.text("search")
	inventory := c.q.text("inventory_number")
	ints := map[string]func(Asset) int{
		"client_id": func(a Asset) int { return a.ClientID }, "site_id": func(a Asset) int { return a.SiteID },
		"assettype_id": func(a Asset) int { return a.AssetTypeID },
	}
	rows := sortedValues(s.db.assets)
	for name, get := range ints {
		if want, ok := c.q.int(name); ok {
			rows = filter(rows, func(a Asset) bool { return get(a) == want })
		}
	}
	rows = filter(rows, func(a Asset) bool {
		return keepActive(active, inactive, a.Inactive) &&
			(inventory == "" || strings.EqualFold(a.InventoryNumber, inventory)) &&
			(term == "" || assetHas(a, term))
	})
	withFields := c.q.flag("includeassetfields", false)
	views := make([]Asset, 0, len(rows))
	for _, a := range rows {
		views = append(views, s.assetView(a, withFields))
	}
	return wrapped(c.q, "assets", views, s.pageCap(false))
}

// assetHas is the free-text search: the asset tag, key fields and field values (HAPI
// documents search as matching the values of asset fields).
func assetHas(a Asset, term string) bool {
	if containsFold(a.InventoryNumber, term) || containsFold(a.KeyField, term) || containsFold(a.KeyField2, term) || containsFold(a.KeyField3, term) {
		return true
	}
	return slices.ContainsFunc(a.Fields, func(f AssetValue) bool { return containsFold(f.Value, term) })
}

func (s *Sim) getAsset(_ *call, seg string) reply {
	id, _ := parseID(seg)
	a, ok := s.db.assets[id]
	if !ok {
		return notFound("Asset", seg)
	}
	return jsonReply(http.StatusOK, s.assetView(a, true))
}

func (s *Sim) deleteAsset(_ *call, seg string) reply {
	id, _ := parseID(seg)
	a, ok := s.db.assets[id]
	if !ok {
		return notFound("Asset", seg)
	}
	delete(s.db.assets, id)
	return jsonReply(http.StatusOK, s.assetView(a, true))
}

// assetFieldWrite is a field value of a write; HaloPSA's own integrations send the id as
// text.
type assetFieldWrite struct {
	ID    json.RawMessage `json:"id"`
	Value any             `json:"value"`
}

// postAssets creates assets, or updates the fields sent of existing ones. The type and the
// site must exist and the site belong to the client named; field values are kept for the
// type's fields only (_dontaddnewfields: the integrations never add fields to a type).
func (s *Sim) postAssets(_ *call, objs []object) reply {
	var out []Asset
	for _, o := range objs {
		var base Asset
		id := o.id()
		if id > 0 {
			existing, ok := s.db.assets[id]
			if !ok {
				return notFound("Asset", id)
			}
			base = existing
		}
		fields := base.Fields
		if o.has("fields") {
			var sent []assetFieldWrite
			if err := json.Unmarshal(o["fields"], &sent); err != nil {
				return badRequest("Invalid value for 'fields': expected a list of {id, value}")
			}
			var rep reply
			var ok bool
			if fields, rep, ok = mergeAssetFields(fields, sent); !ok {
				return rep
			}
		}
		delete(o, "fields")
		// The live create body sends ids as text ("assettype_id": "130", API.md §5.4).
		for _, k := range []string{"assettype_id", "site_id", "client_id", "status_id"} {
			if text, ok := o.text(k); ok {
				n, err := strconv.Atoi(strings.TrimSpace(text))
				if err != nil {
					return badRequest("Invalid value for '%s': expected a whole number, got %s", k, text)
				}
				o[k] = json.RawMessage(strconv.Itoa(n))
			}
		}
		a, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		a.Fields = fields
		t, ok := s.db.assetTypes[a.AssetTypeID]
		if !ok {
			return badRequest("Please select a valid Asset Type")
		}
		st, ok := s.db.sites[a.SiteID]
		if !ok {
			return badRequest("Please select a valid Site")
		}
		if o.has("client_id") && a.ClientID != int(st.ClientID) {
			return badRequest("Please select a valid Client/Site")
		}
		a.ClientID = int(st.ClientID)
		a.Fields = slices.DeleteFunc(a.Fields, func(f AssetValue) bool {
			return !slices.ContainsFunc(t.Fields, func(ti AssetTypeInfo) bool { return ti.FieldID == f.ID })
		})
		a = keyFields(a, t)
		if id <= 0 {
			a.ID = s.db.nextID("asset")
			if a.StatusID == 0 {
				a.StatusID = 1
			}
			if a.InventoryNumber == "" {
				a.InventoryNumber = strconv.Itoa(a.ID)
			}
		}
		a.ClientName, a.SiteName, a.AssetTypeName, a.Use = "", "", "", ""
		s.db.assets[a.ID] = a
		out = append(out, s.assetView(a, true))
	}
	return saved(out)
}

// mergeAssetFields sets the values sent over fields; an id must be a number, sent as one or
// as text.
func mergeAssetFields(fields []AssetValue, sent []assetFieldWrite) ([]AssetValue, reply, bool) {
	out := slices.Clone(fields)
	for _, f := range sent {
		var id int
		if err := json.Unmarshal(f.ID, &id); err != nil {
			var text string
			if json.Unmarshal(f.ID, &text) != nil {
				return nil, badRequest("Invalid value for 'fields.id': expected a whole number"), false
			}
			n, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				return nil, badRequest("Invalid value for 'fields.id': expected a whole number, got %s", text), false
			}
			id = n
		}
		value := scalarText(f.Value)
		if i := slices.IndexFunc(out, func(v AssetValue) bool { return v.ID == id }); i >= 0 {
			out[i].Value = value
		} else {
			out = append(out, AssetValue{ID: id, Value: value})
		}
	}
	return out, reply{}, true
}

func (s *Sim) listAssetTypes(c *call) reply {
	return bare(c.q, sortedValues(s.db.assetTypes))
}

// ticketAssets checks the assets a ticket names: each must exist and belong to the ticket's
// client. It keeps only their ids; ticketView fills in the rest.
func (s *Sim) ticketAssets(t *Ticket) (reply, bool) {
	for i, ref := range t.Assets {
		a, ok := s.db.assets[ref.ID]
		if !ok {
			return badRequest("Please select a valid Asset (%d does not exist)", ref.ID), false
		}
		if a.ClientID != t.ClientID {
			return badRequest("The Asset %d does not belong to the Client of this Ticket", ref.ID), false
		}
		t.Assets[i] = TicketAsset{ID: ref.ID}
	}
	return reply{}, true
}

func (s *Sim) ticketAssetViews(refs []TicketAsset) []TicketAsset {
	out := make([]TicketAsset, 0, len(refs))
	for _, ref := range refs {
		a := s.db.assets[ref.ID]
		out = append(out, TicketAsset{ID: ref.ID, InventoryNumber: a.InventoryNumber, KeyField: a.KeyField, AssetTypeName: s.db.assetTypes[a.AssetTypeID].Name})
	}
	return out
}

// Assets returns every asset ordered by id, with its fields.
func (s *Sim) Assets() []Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Asset{}
	for _, a := range sortedValues(s.db.assets) {
		out = append(out, s.assetView(a, true))
	}
	return out
}

// DeleteAsset removes an asset, as a person deleting it in HaloPSA.
func (s *Sim) DeleteAsset(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.db.assets, id)
}
