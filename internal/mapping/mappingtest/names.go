package mappingtest

import (
	"math/rand/v2"
	"slices"
	"strings"

	"halobridge/internal/mapping"
)

// A company name is an invented word, an industry word and maybe a legal
// form: "Vokatelin Logistics Ltd". Invented words differ from each other in
// at least minWordDistance edits, so that a name with one typo is still far
// from every other company's name.
const minWordDistance = 4

var industries = []string{
	"Logistics", "Dental", "Engineering", "Consulting", "Bakery", "Legal", "Architects",
	"Media", "Motors", "Pharma", "Foods", "Clinic", "Holdings", "Partners", "Systems",
	"Freight", "Studio", "Hotels", "Insurance", "Accountants", "& Sons", "Group",
}

// legalForms are spellings that NormaliseName removes, several per form.
var legalForms = []string{
	"", "", "Ltd", "Ltd.", "Limited", "Inc", ", Inc.", "Incorporated", "LLC", "L.L.C.",
	"GmbH", "GmbH & Co. KG", "AG", "S.A.", "SA", "S.A.S.", "SARL", "B.V.", "BV", "N.V.",
	"Pty Ltd", "Pty. Ltd.", "PLC", "Corp.", "Corporation", "Co.", "& Co", "Company", "Oy",
	"AB", "A/S", "ApS", "S.r.l.", "S.p.A.", "LLP", "LP",
}

var accented = map[rune][]rune{
	'a': []rune("áàâäã"), 'e': []rune("éèêë"), 'i': []rune("íìîï"), 'o': []rune("óòôöø"), 'u': []rune("úùûü"),
}

var tlds = []string{"com", "co.uk", "de", "com.au", "nl", "fr", "io"}

// Invented words are syllables ending in a letter that no stemming rule
// strips (no s, r, d or g), so that Similarity sees them as written.
var (
	onsets = []string{"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr", "dr", "fr", "gr", "kr", "pr", "tr", "st", "pl"}
	vowels = []string{"a", "e", "i", "o", "u"}
	finals = []string{"n", "l", "k", "t", "x", "m", "p"}
)

// word invents a word of 9 to 12 letters, far enough from every earlier one.
func (b *builder) word() string {
	for {
		var sb strings.Builder
		for range 3 + b.rng.IntN(2) {
			sb.WriteString(pick(b.rng, onsets))
			sb.WriteString(pick(b.rng, vowels))
		}
		sb.WriteString(pick(b.rng, finals))
		w := sb.String()
		if len(w) < 9 || len(w) > 12 {
			continue
		}
		if !slices.ContainsFunc(b.words, func(o string) bool { return mapping.EditDistance([]rune(o), []rune(w)) < minWordDistance }) {
			b.words = append(b.words, w)
			return strings.ToUpper(w[:1]) + w[1:]
		}
	}
}

// base is a fresh company name without a legal form: "Vokatelin Logistics".
func (b *builder) base() string { return b.word() + " " + pick(b.rng, industries) }

// variant spells base the way one person might have typed it: with a legal
// form, "The", other case, accents, punctuation or "and" for "&". Every
// variant of a base normalises to the same name.
func (b *builder) variant(base string) string {
	name := base
	if strings.Contains(name, "&") && b.rng.IntN(2) == 0 {
		name = strings.ReplaceAll(name, "&", "and")
	}
	switch b.rng.IntN(4) {
	case 0:
		name = strings.Replace(name, " ", "-", 1)
	case 1:
		name = strings.Replace(name, " ", "  ", 1)
	}
	if b.rng.IntN(3) == 0 {
		name = b.accent(name)
	}
	if form := pick(b.rng, legalForms); form != "" {
		if strings.HasPrefix(form, ",") {
			name += form
		} else {
			name += " " + form
		}
	}
	if b.rng.IntN(6) == 0 {
		name = "The " + name
	}
	switch b.rng.IntN(5) {
	case 0:
		name = strings.ToUpper(name)
	case 1:
		name = strings.ToLower(name)
	}
	return name
}

// accent puts accents on some vowels.
func (b *builder) accent(name string) string {
	r := []rune(name)
	for i, c := range r {
		if alts, ok := accented[c]; ok && b.rng.IntN(3) == 0 {
			r[i] = alts[b.rng.IntN(len(alts))]
		}
	}
	return string(r)
}

// typo makes one edit inside the invented word of name, away from its first
// letter and its ending: a substitution, a deletion, an insertion or a swap
// of two different neighbouring letters.
func (b *builder) typo(name string) string {
	word, rest, _ := strings.Cut(name, " ")
	r := []rune(word)
	i := 1 + b.rng.IntN(len(r)-4)
	switch b.rng.IntN(4) {
	case 0:
		r[i] = otherLetter(b.rng, r[i])
	case 1:
		r = slices.Delete(r, i, i+1)
	case 2:
		r = slices.Insert(r, i, otherLetter(b.rng, r[i]))
	default:
		if r[i] == r[i+1] {
			r[i] = otherLetter(b.rng, r[i])
		} else {
			r[i], r[i+1] = r[i+1], r[i]
		}
	}
	return string(r) + " " + rest
}

func otherLetter(rng *rand.Rand, not rune) rune {
	for {
		if c := rune('a' + rng.IntN(26)); c != not {
			return c
		}
	}
}

// domain invents a company's registrable domain from its name.
func (b *builder) domain(base string) string {
	word, _, _ := strings.Cut(base, " ")
	return strings.ToLower(word) + "." + pick(b.rng, tlds)
}

// clientDomain records d on a client the way Halo would know it: as the
// website, or as a site's or user's e-mail domain.
func (b *builder) clientDomain(cl *mapping.HaloClient, d string) {
	switch b.rng.IntN(4) {
	case 0:
		cl.Website = "https://www." + d + "/"
	case 1:
		cl.Website = "www." + d
	case 2:
		cl.Domains = append(cl.Domains, "info@"+d)
	default:
		cl.Domains = append(cl.Domains, "https://portal."+d+"/login", "accounts@"+d)
	}
}

// customerDomain spells d the way a console might hold it.
func (b *builder) customerDomain(d string) string {
	switch b.rng.IntN(4) {
	case 0:
		return d
	case 1:
		return "admin@" + d
	case 2:
		return "mail." + d
	default:
		return "https://" + d
	}
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }
