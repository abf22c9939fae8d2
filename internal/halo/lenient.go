package halo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// flexInt decodes an id Halo may send as 95, 95.0 or "95": its document declares some ids
// (Site.client_id, Users.site_id) as doubles, and older instances send strings.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	text := string(bytes.Trim(bytes.TrimSpace(b), `"`))
	if text == "" || text == "null" {
		return nil
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*f = flexInt(math.Round(n))
	return nil
}

// positiveInt reads raw as a number and returns it when it is above zero; anything else
// (absent, -1 for "none", a name instead of an id) gives 0.
func positiveInt(raw json.RawMessage) int {
	var f flexInt
	if f.UnmarshalJSON(raw) != nil || f <= 0 {
		return 0
	}
	return int(f)
}
