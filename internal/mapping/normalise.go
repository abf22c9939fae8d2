package mapping

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormaliseName reduces a company name to the form that two records of the
// same company share, whoever typed them: lower case, accents folded, "&"
// read as "and", punctuation and spacing collapsed, dotted initials joined
// ("S.A." and "SA" alike), a leading "The" and trailing legal forms removed
// ("Acme Holdings Pty Ltd" → "acme holdings"). A name that is nothing but a
// legal form keeps its last word, so that it never normalises to "".
func NormaliseName(name string) string {
	tokens := tokenise(fold(name))
	for len(tokens) > 1 && tokens[0] == "the" {
		tokens = tokens[1:]
	}
	return strings.Join(trimLegalForms(tokens), " ")
}

// letterFolds spells the letters that Unicode does not decompose into a base
// letter plus accents the way an English keyboard user would type them.
var letterFolds = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'þ': "th",
	'ł': "l", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "n", 'ĸ': "k", 'ƒ': "f",
	// The Catalan middle dot ("l·l") joins letters of one word.
	'·': "",
}

// fold lower-cases s and removes accents. NFKD also turns compatibility
// characters (ligatures, full-width letters, styled letters) into plain ones;
// lower-casing again afterwards catches capitals that only appear then.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			continue
		}
		r = unicode.ToLower(r)
		if rep, ok := letterFolds[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// word is one token of a name before initials are joined.
type word struct {
	text string
	// dotted is true when the word was directly followed by a full stop, as
	// each letter of "S.A." is.
	dotted bool
}

// tokenise splits a folded name into words. Letters, digits and spacing
// marks form words; apostrophes vanish ("McDonald's" → "mcdonalds"); "&"
// becomes the word "and"; full stops split words but are remembered, so
// that runs of dotted single letters ("s.a.", "j. p.") join into one word;
// everything else separates words.
func tokenise(s string) []string {
	var words []word
	var cur strings.Builder
	flush := func(dotted bool) {
		if cur.Len() > 0 {
			words = append(words, word{text: cur.String(), dotted: dotted})
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			cur.WriteRune(r)
		case isApostrophe(r):
		case r == '.':
			flush(true)
		case r == '&':
			flush(false)
			words = append(words, word{text: "and"})
		default:
			flush(false)
		}
	}
	flush(false)
	return joinInitials(words)
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '`':
		return true
	}
	return false
}

// joinInitials merges each run of single-letter words in which every letter
// but the last was followed by a full stop: "s. a." and "s.a" become "sa",
// while "a s" (from "A/S") stays two words.
func joinInitials(words []word) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		j := i
		for j+1 < len(words) && isSingleRune(words[j]) && words[j].dotted && isSingleRune(words[j+1]) {
			j++
		}
		if j == i {
			out = append(out, words[i].text)
			i++
			continue
		}
		var b strings.Builder
		for _, w := range words[i : j+1] {
			b.WriteString(w.text)
		}
		out = append(out, b.String())
		i = j + 1
	}
	return out
}

func isSingleRune(w word) bool { return utf8.RuneCountInString(w.text) == 1 }

// legalForms are the company-form words, as tokens after folding and joining
// initials, that say nothing about which company it is. Longer forms come
// first so that "private limited" goes as a whole instead of leaving
// "private" behind. Forms made of several legal words ("Pty Ltd", "GmbH & Co.
// KG") need no entry of their own: they are removed word by word.
var legalForms = [][]string{
	{"sp", "z", "oo"},
	{"sa", "de", "cv"},
	{"sab", "de", "cv"},
	{"s", "de", "rl"},
	{"private", "limited"},
	{"sdn", "bhd"},
	{"ges", "mbh"},
	{"a", "s"},
	{"inc"}, {"incorporated"}, {"ltd"}, {"limited"}, {"llc"}, {"llp"}, {"lp"},
	{"lllp"}, {"plc"}, {"corp"}, {"corporation"}, {"co"}, {"company"},
	{"gmbh"}, {"mbh"}, {"ag"}, {"kg"}, {"kgaa"}, {"ohg"}, {"ug"}, {"se"},
	{"sa"}, {"sas"}, {"sarl"}, {"sprl"}, {"srl"}, {"spa"}, {"sl"}, {"ltda"},
	{"bv"}, {"bvba"}, {"nv"}, {"vof"}, {"pty"}, {"pte"}, {"pvt"},
	{"oy"}, {"oyj"}, {"ab"}, {"as"}, {"asa"}, {"aps"},
	{"sro"}, {"kft"}, {"zrt"}, {"doo"}, {"bhd"}, {"kk"},
}

// trimLegalForms removes legal forms from the end of tokens, again and again
// ("holdings pty ltd" → "holdings"), along with an "and" they leave dangling
// ("Smith & Co" → "smith"). It never removes the first token.
func trimLegalForms(tokens []string) []string {
	for {
		n := len(tokens)
		if n > 1 && tokens[n-1] == "and" {
			tokens = tokens[:n-1]
			continue
		}
		trimmed := false
		for _, form := range legalForms {
			if n > len(form) && slices.Equal(tokens[n-len(form):], form) {
				tokens = tokens[:n-len(form)]
				trimmed = true
				break
			}
		}
		if !trimmed {
			return tokens
		}
	}
}
