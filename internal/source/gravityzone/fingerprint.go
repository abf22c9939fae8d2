package gravityzone

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"halobridge/internal/jsonread"
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

// eventID names an event for the store's redelivery check: when it happened, as 12 hex
// digits of Unix milliseconds (zeros when the event gives no time of its own), then 20 hex
// digits of a hash of its canonical JSON (keys sorted, numbers as sent). A redelivered
// identical event gets the same id whatever its key order or spacing, and ids sort by when
// events happened, so the store's index of them grows at one end, where a storm's events
// land together, rather than at random places all over it.
func eventID(happened time.Time, canonical []byte) string {
	var ms int64
	if !happened.IsZero() {
		ms = max(0, happened.UnixMilli())
	}
	sum := sha256.Sum256(canonical)
	return fmt.Sprintf("%012x", ms&0xffffffffffff) + hex.EncodeToString(sum[:10])
}

// canonicalOf is the canonical JSON of a pushed value; raw as it is when it does not read.
func canonicalOf(raw []byte) []byte {
	v, err := jsonread.Decode(raw)
	if err != nil {
		return raw
	}
	return jsonread.AppendCanonical(nil, v)
}
