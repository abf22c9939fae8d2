package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Line is one recurring-invoice line. Raw is the line exactly as HaloPSA sent
// it: HaloPSA replaces an invoice's lines with the set it is sent, so every
// line goes back whole, and a line halobridge does not own goes back as the
// very bytes it came in.
type Line struct {
	ID       int
	ItemID   int
	Name     string // item_shortdescription
	Quantity float64
	Raw      json.RawMessage
}

// UnmarshalJSON reads a line in HaloPSA's shape and keeps the bytes.
func (l *Line) UnmarshalJSON(b []byte) error {
	var w struct {
		ID       float64 `json:"id"`
		ItemID   float64 `json:"_itemid"`
		Name     string  `json:"item_shortdescription"`
		Quantity float64 `json:"qty_order"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("recurring invoice line: %w", err)
	}
	*l = Line{ID: int(w.ID), ItemID: int(w.ItemID), Name: w.Name, Quantity: w.Quantity, Raw: bytes.Clone(b)}
	return nil
}

// MarshalJSON writes the line in HaloPSA's shape: Raw when there is one.
func (l Line) MarshalJSON() ([]byte, error) {
	if len(l.Raw) > 0 {
		return l.Raw, nil
	}
	fields := map[string]any{"_itemid": l.ItemID, "item_shortdescription": l.Name, "qty_order": l.Quantity}
	if l.ID != 0 {
		fields["id"] = l.ID
	}
	return setFields(nil, fields)
}

// setFields returns raw (a JSON object, or nothing) with fields set, every
// other field kept.
func setFields(raw json.RawMessage, fields map[string]any) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("recurring invoice line is not a JSON object: %w", err)
		}
	}
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("recurring invoice line field %s: %w", k, err)
		}
		obj[k] = b
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("recurring invoice line: %w", err)
	}
	return out, nil
}
