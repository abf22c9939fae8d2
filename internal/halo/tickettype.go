package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// TicketTypeDetail is one ticket type as GET /TicketType/{id}?includedetails=true answers
// it: the type with its defaults, and the fields of its form (SW RequestType.fields).
type TicketTypeDetail struct {
	TicketType
	Fields []TicketTypeField
}

// TicketTypeField is one field of a ticket type's form (SW RequestTypeField). TechNew is
// its setting on the agent's new-ticket screen, the one an API ticket is checked against.
type TicketTypeField struct {
	ID        int       `json:"id"`
	FieldName string    `json:"fieldname"`
	TechNew   int       `json:"technew"`
	FieldInfo FieldInfo `json:"fieldinfo"`
}

// FieldInfo describes a field (SW FieldInfo); FaultsFieldName is the ticket field it fills
// ("category_1", "impact", ...).
type FieldInfo struct {
	ID              int    `json:"id"`
	Name            string `json:"name"`
	Label           string `json:"label"`
	Mandatory       bool   `json:"mandatory"`
	DefaultValue    string `json:"defaultvalue"`
	FaultsFieldName string `json:"faults_field_name"`
}

// techNewMandatory is the agent new-ticket setting of a mandatory field: 0 hidden,
// 1 optional, 2 recommended, 3 mandatory (API.md §3.20).
const techNewMandatory = 3

// Mandatory reports whether a new ticket must carry the field: it is mandatory on the
// agent's new-ticket screen or everywhere, and has no default value for HaloPSA to fill.
func (f TicketTypeField) Mandatory() bool {
	return (f.TechNew == techNewMandatory || f.FieldInfo.Mandatory) && strings.TrimSpace(f.FieldInfo.DefaultValue) == ""
}

// Field is the ticket field f fills, as a ticket's JSON names it; the field's own name
// when HaloPSA does not say.
func (f TicketTypeField) Field() string {
	if name := strings.TrimSpace(f.FieldInfo.FaultsFieldName); name != "" {
		return strings.ToLower(name)
	}
	return strings.ToLower(strings.TrimSpace(f.FieldInfo.Name))
}

// Label is the field's name as HaloPSA shows it.
func (f TicketTypeField) Label() string {
	for _, s := range []string{f.FieldInfo.Label, f.FieldName, f.FieldInfo.Name} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return f.Field()
}

// maxTicketTypeFields bounds the fields read of one ticket type; a real form has dozens.
const maxTicketTypeFields = 1000

// TicketTypeDetail reads one ticket type with its fields, in one request.
func (c *Client) TicketTypeDetail(ctx context.Context, id int) (TicketTypeDetail, error) {
	var raw json.RawMessage
	query := url.Values{"includedetails": {"true"}}
	if err := c.getJSON(ctx, "/TicketType/{id}", idPath("TicketType", id), query, &raw); err != nil {
		return TicketTypeDetail{}, err
	}
	var out TicketTypeDetail
	if err := json.Unmarshal(raw, &out.TicketType); err != nil {
		return TicketTypeDetail{}, fmt.Errorf("decode GET /TicketType/{id}: %w", err)
	}
	var fields struct {
		Fields []TicketTypeField `json:"fields"`
	}
	if err := decodeLenient(raw, &fields); err != nil {
		return TicketTypeDetail{}, fmt.Errorf("decode GET /TicketType/{id} fields: %w", err)
	}
	if len(fields.Fields) > maxTicketTypeFields {
		return TicketTypeDetail{}, fmt.Errorf("HaloPSA ticket type %d lists %d fields, more than the %d halobridge reads", id, len(fields.Fields), maxTicketTypeFields)
	}
	out.Fields = fields.Fields
	return out, nil
}
