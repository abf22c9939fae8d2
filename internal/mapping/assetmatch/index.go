package assetmatch

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// index holds one rule's normalised values of the pool of assets, so that
// an endpoint's candidates are found by looking its values up, never by
// comparing it with every asset.
type index struct {
	rule    Rule
	byValue map[string]int32 // normalised value → its id
	values  []string         // by id
	assets  [][]int32        // by value id: positions in the pool, ascending
	// byLabel (exact name rules) finds the dotted values by their first
	// label.
	byLabel map[string][]int32
	// Contains rules: grams finds the values holding a 3-byte sequence, to
	// look up the values that contain an endpoint's value; lengths are the
	// distinct byte lengths of the values long enough to be contained, to
	// look up those an endpoint's value contains among its substrings;
	// long says which values are.
	grams   map[uint32][]int32
	lengths []int
	long    []bool

	// What one lookup found: the values and assets marked with its stamp,
	// and the assets' positions.
	stamp      uint32
	valueMarks []uint32
	assetMarks []uint32
	positions  []int32
	buf        []string
}

func newIndex(r Rule, pool []Asset) *index {
	ix := &index{rule: r, byValue: make(map[string]int32, len(pool))}
	for pos, a := range pool {
		ix.buf = values(r.Property, r.CaseSensitive, field(a, r.AssetField), ix.buf[:0])
		for _, v := range ix.buf {
			id, ok := ix.byValue[v]
			if !ok {
				id = int32(len(ix.values))
				ix.byValue[v] = id
				ix.values = append(ix.values, v)
				ix.assets = append(ix.assets, nil)
			}
			if as := ix.assets[id]; len(as) == 0 || as[len(as)-1] != int32(pos) {
				ix.assets[id] = append(as, int32(pos))
			}
		}
	}
	switch {
	case r.Mode == ModeContains:
		ix.indexSubstrings()
	case r.Property == PropertyName:
		ix.byLabel = make(map[string][]int32)
		for id, v := range ix.values {
			if label := hostLabel(v); label != "" {
				ix.byLabel[label] = append(ix.byLabel[label], int32(id))
			}
		}
	}
	ix.valueMarks = make([]uint32, len(ix.values))
	ix.assetMarks = make([]uint32, len(pool))
	return ix
}

func gram(s string, i int) uint32 { return uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2]) }

func (ix *index) indexSubstrings() {
	ix.grams = make(map[uint32][]int32)
	ix.long = make([]bool, len(ix.values))
	lengths := map[int]bool{}
	for id, v := range ix.values {
		if utf8.RuneCountInString(v) < MinContained {
			continue
		}
		ix.long[id] = true
		lengths[len(v)] = true
		for i := 0; i+3 <= len(v); i++ {
			g := gram(v, i)
			// A value's ids are appended together, so one repeated
			// sequence ("abcabc") is listed once.
			if ids := ix.grams[g]; len(ids) == 0 || ids[len(ids)-1] != int32(id) {
				ix.grams[g] = append(ids, int32(id))
			}
		}
	}
	for l := range lengths {
		ix.lengths = append(ix.lengths, l)
	}
	slices.Sort(ix.lengths)
}

// lookup gives the positions of the assets the rule matches with e,
// ascending, at most MaxCandidates of them, and the endpoint's value that
// matched first.
func (ix *index) lookup(e Endpoint) ([]int32, string) {
	ix.stamp++
	if ix.stamp == 0 {
		clear(ix.valueMarks)
		clear(ix.assetMarks)
		ix.stamp = 1
	}
	ix.positions = ix.positions[:0]
	r := ix.rule
	var matched string
	for _, raw := range endpointValues(e, r.Property) {
		ix.buf = values(r.Property, r.CaseSensitive, raw, ix.buf[:0])
		for _, v := range ix.buf {
			before := len(ix.positions)
			ix.lookupValue(v)
			if len(ix.positions) > before && matched == "" {
				matched = v
				if r.Property != PropertyIP && r.Property != PropertyMAC {
					matched = cut(raw)
				}
			}
		}
	}
	if r.Property == PropertyName && r.Mode == ModeExact {
		// The endpoint's FQDN stands for its name too: "pc-01.corp.local"
		// is the device "PC-01".
		if fqdn := values(PropertyName, r.CaseSensitive, e.FQDN, nil); len(fqdn) > 0 {
			before := len(ix.positions)
			if id, ok := ix.byValue[hostLabel(fqdn[0])]; ok && ix.markValue(id) && len(ix.positions) > before && matched == "" {
				matched = cut(e.FQDN)
			}
		}
	}
	if len(ix.positions) == 0 {
		return nil, ""
	}
	positions := slices.Clone(ix.positions)
	slices.Sort(positions)
	return positions, matched
}

// markValue adds the assets of value id to what this lookup found, up to
// MaxCandidates, reporting whether the value is new to it.
func (ix *index) markValue(id int32) bool {
	if ix.valueMarks[id] == ix.stamp {
		return false
	}
	ix.valueMarks[id] = ix.stamp
	for _, p := range ix.assets[id] {
		if ix.full() {
			break
		}
		if ix.assetMarks[p] != ix.stamp {
			ix.assetMarks[p] = ix.stamp
			ix.positions = append(ix.positions, p)
		}
	}
	return true
}

// full says that this lookup found as many candidates as an endpoint
// keeps: it is ambiguous whatever else would match, and looking further
// would only cost time (an endpoint named "LAP" is in every "LAPTOP-…").
func (ix *index) full() bool { return len(ix.positions) >= MaxCandidates }

// lookupValue marks the values that match the endpoint's value v.
func (ix *index) lookupValue(v string) {
	if ix.rule.Mode == ModeContains {
		ix.lookupContaining(v)
		ix.lookupContained(v)
		return
	}
	if id, ok := ix.byValue[v]; ok {
		ix.markValue(id)
	}
	if ix.rule.Property != PropertyName {
		return
	}
	if label := hostLabel(v); label != "" {
		if id, ok := ix.byValue[label]; ok {
			ix.markValue(id)
		}
		return
	}
	for _, id := range ix.byLabel[v] {
		if ix.full() {
			return
		}
		ix.markValue(id)
	}
}

// lookupContaining marks the values that contain v: those among the ones
// holding v's rarest 3-byte sequence that really contain it. An endpoint's
// value costs at most one scan of the assets' values, so a device a user
// renamed cannot slow the others; only thousands of assets crafted so that
// they hold every sequence of a name but not the name can make every
// endpoint cost that scan.
func (ix *index) lookupContaining(v string) {
	if utf8.RuneCountInString(v) < MinContained || len(v) < 3 {
		return
	}
	var fewest []int32
	for i := 0; i+3 <= len(v); i++ {
		ids, ok := ix.grams[gram(v, i)]
		if !ok {
			return
		}
		if fewest == nil || len(ids) < len(fewest) {
			fewest = ids
		}
	}
	for _, id := range fewest {
		if ix.full() {
			return
		}
		if strings.Contains(ix.values[id], v) {
			ix.markValue(id)
		}
	}
}

// lookupContained marks the values v contains, by looking up each of its
// substrings as long as a value: at most MaxValueBytes² / 2 lookups however
// many assets there are.
func (ix *index) lookupContained(v string) {
	for _, l := range ix.lengths {
		if l > len(v) {
			return
		}
		for i := 0; i+l <= len(v) && !ix.full(); i++ {
			if id, ok := ix.byValue[v[i:i+l]]; ok && ix.long[id] {
				ix.markValue(id)
			}
		}
	}
}
