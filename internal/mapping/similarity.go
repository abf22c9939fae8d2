package mapping

import "strings"

// FuzzyThreshold is the lowest Similarity that auto-matching suggests.
const FuzzyThreshold = 0.9

// Similarity scores how alike two company names are, from 0 (nothing in
// common) to 1 (the same name once normalised: "Contoso Ltd" and "Contoso
// Limited"). It is symmetric, and 1 only for names NormaliseName makes equal.
//
// The score is the mean of two edit-distance similarities on the normalised
// names (1 - distance/longer length, counting a swap of neighbouring letters
// as one edit): one on the words as written, one on the words with their
// inflectional endings removed ("traders" and "trading" both become "trad").
// Edit distance charges every differing letter, so a name that differs in a
// whole word ("Acme East" against "Acme West", two branches an MSP keeps
// apart) stays well below FuzzyThreshold, while a typo in a name of ten or
// more letters ("Contoso Pharmaceutcals") stays above it. The stemmed half
// forgives the ending variations people type for the same company ("Northwind
// Traders" against "Northwind Trading"), yet only half-way, so such pairs stay
// below 1 and clear the threshold only when the rest of the name agrees.
// Prefix-weighted measures such as Jaro-Winkler were rejected because they
// rate "Acme East" and "Acme West" above 0.95.
func Similarity(a, b string) float64 {
	return similarity(newNameForms(a), newNameForms(b))
}

// nameForms holds a name's normalised and stemmed spellings, computed once
// per name when one name is compared with many.
type nameForms struct {
	normal  []rune
	stemmed []rune
}

func newNameForms(name string) nameForms {
	normal := NormaliseName(name)
	words := strings.Fields(normal)
	for i, w := range words {
		words[i] = stem(w)
	}
	return nameForms{normal: []rune(normal), stemmed: []rune(strings.Join(words, " "))}
}

func similarity(a, b nameForms) float64 {
	if len(a.normal) == 0 || len(b.normal) == 0 {
		return 0
	}
	if string(a.normal) == string(b.normal) {
		return 1
	}
	return (editSimilarity(a.normal, b.normal) + editSimilarity(a.stemmed, b.stemmed)) / 2
}

// upperBound is a score similarity cannot exceed, from lengths alone: an edit
// distance is at least the difference in length. It lets a search skip pairs
// that cannot reach the threshold without computing their distances.
func upperBound(a, b nameForms) float64 {
	return (lengthBound(len(a.normal), len(b.normal)) + lengthBound(len(a.stemmed), len(b.stemmed))) / 2
}

func lengthBound(m, n int) float64 {
	longer := max(m, n)
	if longer == 0 {
		return 1
	}
	return 1 - float64(max(m-n, n-m))/float64(longer)
}

func editSimilarity(a, b []rune) float64 {
	longer := max(len(a), len(b))
	if longer == 0 {
		return 1
	}
	return 1 - float64(EditDistance(a, b))/float64(longer)
}

// EditDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of two neighbouring runes cost 1 each,
// as a person's typos do.
func EditDistance(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// stemEndings are the inflectional endings company names vary in, tried in
// order, with what replaces them ("industries" → "industry", "classes" →
// "class").
var stemEndings = []struct{ ending, replacement string }{
	{"sses", "ss"}, {"ies", "y"}, {"s", ""}, {"ing", ""}, {"er", ""}, {"ed", ""},
}

// stem removes inflectional endings one after another ("engineers" →
// "engineer" → "engine", like "engineering"), keeping at least three letters
// and a final double s ("business"). It is crude on purpose: it only has to
// make two spellings of one company agree, and it treats both names alike.
func stem(w string) string {
	for {
		next := stripEnding(w)
		if next == w {
			return w
		}
		w = next
	}
}

func stripEnding(w string) string {
	for _, e := range stemEndings {
		if e.ending == "s" && strings.HasSuffix(w, "ss") {
			continue
		}
		if base, ok := strings.CutSuffix(w, e.ending); ok && len([]rune(base))+len(e.replacement) >= 3 {
			return base + e.replacement
		}
	}
	return w
}
