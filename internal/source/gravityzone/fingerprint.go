package gravityzone

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"halobridge/internal/source"
)

// maxPart bounds one fingerprint input; a longer one is replaced by its hash.
const maxPart = 120

// fingerprint joins source, company, type and the type's inputs with "|" (escaped inside
// the inputs), so that keys of different customers and types never collide.
func fingerprint(companyID, typ string, parts []string) string {
	out := make([]string, 0, len(parts)+3)
	out = append(out, string(source.GravityZone), escapePart(companyID), escapePart(typ))
	for _, p := range parts {
		out = append(out, escapePart(p))
	}
	return strings.Join(out, "|")
}

func escapePart(p string) string {
	if len(p) > maxPart {
		sum := sha256.Sum256([]byte(p))
		return "sha256:" + hex.EncodeToString(sum[:16])
	}
	return partEscaper.Replace(p)
}

var partEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

// allEmpty reports whether none of the fingerprint inputs was found in the event.
func allEmpty(parts []string) bool {
	for _, p := range parts {
		if p != "" {
			return false
		}
	}
	return true
}

// eventID hashes the event's canonical JSON (keys sorted, numbers as sent), so that a
// redelivered identical event gets the same id whatever its key order or spacing.
func eventID(raw []byte) string {
	canonical := raw
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canonical = b
		}
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:16])
}

// eventIDOf is eventID for an event already decoded (numbers as json.Number):
// marshalling the decoded map gives the same canonical JSON without reading
// the event a second time.
func eventIDOf(e event, raw []byte) string {
	b, err := json.Marshal(map[string]any(e))
	if err != nil {
		return eventID(raw)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
