package assetmatch

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on what one value can cost the index, whatever a platform or a
// person put in a field.
const (
	// MaxValueBytes cuts every value, so that a huge one cannot blow up the
	// index of substrings; names, FQDNs and addresses are far shorter.
	MaxValueBytes = 255
	// MaxValues bounds the addresses one asset field or one endpoint gives.
	MaxValues = 64
	// MaxCandidates bounds the assets one endpoint is found ambiguous
	// with: a person does not choose among more, and an endpoint value that
	// many assets share (an asset tag "N/A", a name "LAP" in contains
	// mode) must not cost the time of every pair.
	MaxCandidates = 50
	// MinContained is the length, in characters, a value needs to count as
	// contained in another: shorter ones ("pc", "1") are in everything.
	MinContained = 3
)

// cut trims spaces and cuts s to MaxValueBytes, at a character boundary.
func cut(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= MaxValueBytes {
		return s
	}
	end := MaxValueBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return strings.TrimSpace(s[:end])
}

// isListSeparator splits a field that holds several addresses: HaloPSA
// fields are free text, filled by hand or by RMM tools as "a, b", "a;b" or
// "a b".
func isListSeparator(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }

// values gives the normalised values of one raw value for a rule's
// property: one text for name, label and FQDN; each address a field
// lists for IP and MAC, addresses that are not one left out.
func values(p Property, caseSensitive bool, raw string, out []string) []string {
	switch p {
	case PropertyIP, PropertyMAC:
		for _, token := range strings.FieldsFunc(cut(raw), isListSeparator) {
			if len(out) >= MaxValues {
				break
			}
			var v string
			if p == PropertyIP {
				v = normaliseIP(token)
			} else {
				v = normaliseMAC(token)
			}
			if v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	v := cut(raw)
	if !caseSensitive {
		v = strings.ToLower(v)
	}
	if v == "" {
		return out
	}
	return append(out, v)
}

// normaliseIP writes an IP address one way ("::ffff:10.0.0.1" and
// "10.0.0.1" alike, IPv6 in lower case, "10.0.0.1/24" as the address an RMM
// tool wrote with its network), or gives "" for anything else and for
// addresses every device has (loopback, unspecified), which would match
// every asset with each other.
func normaliseIP(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		prefix, perr := netip.ParsePrefix(s)
		if perr != nil {
			return ""
		}
		addr = prefix.Addr()
	}
	addr = addr.Unmap().WithZone("")
	if addr.IsLoopback() || addr.IsUnspecified() {
		return ""
	}
	return addr.String()
}

// normaliseMAC gives a MAC address as its 12 hex digits in lower case,
// whatever its separators (GravityZone sends "aabbccddeeff", HaloPSA fields
// hold "AA:BB:CC:DD:EE:FF", "aa-bb-…" or "aabb.ccdd.eeff"), or "" when s
// is not one. The all-zero and broadcast addresses are left out: virtual
// adapters report them on many devices.
func normaliseMAC(s string) string {
	if len(s) > 17 {
		return ""
	}
	var b [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == '-' || c == '.':
			continue
		case n == len(b):
			return ""
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
			b[n] = c
		case 'A' <= c && c <= 'F':
			b[n] = c + ('a' - 'A')
		default:
			return ""
		}
		n++
	}
	if n != len(b) {
		return ""
	}
	v := string(b[:])
	if v == "000000000000" || v == "ffffffffffff" {
		return ""
	}
	return v
}

// hostLabel is the first label of a dotted host name ("pc-01" of
// "pc-01.corp.local"), or "" when name has no dot or is an IP address.
func hostLabel(name string) string {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return ""
	}
	return name[:i]
}

// endpointValues gives the raw values of an endpoint's property.
func endpointValues(e Endpoint, p Property) []string {
	switch p {
	case PropertyName:
		return []string{e.Name}
	case PropertyLabel:
		return []string{e.Label}
	case PropertyFQDN:
		return []string{e.FQDN}
	case PropertyIP:
		return e.IPs[:min(len(e.IPs), MaxValues)]
	case PropertyMAC:
		return e.MACs[:min(len(e.MACs), MaxValues)]
	}
	return nil
}

// field is an asset's value of a rule's field: by its exact name, else by
// its name without case, since a person types the field's name into the
// settings. Of two names that differ only by case, the first in byte
// order wins, whatever the map's order.
func field(a Asset, name string) string {
	if v, ok := a.Fields[name]; ok {
		return v
	}
	var key, value string
	for k, v := range a.Fields {
		if strings.EqualFold(k, name) && (key == "" || k < key) {
			key, value = k, v
		}
	}
	return value
}
