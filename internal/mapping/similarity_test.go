package mapping_test

import (
	"math"
	"testing"

	"halobridge/internal/mapping"
)

// The expected scores below are worked out by hand from the definition in
// Similarity's comment: the mean of 1 - distance/longer length on the
// normalised names and on their stemmed words.
func TestSimilarity(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		a, b string
		want float64
	}{
		// Equal once normalised.
		{"ScoresLegalFormVariantsOne", "Contoso Ltd", "Contoso Limited", 1},
		{"ScoresAccentVariantsOne", "Société Générale", "Societe Generale SA", 1},
		// "acme east" / "acme west": 2 substitutions in 9; the stems are the words.
		{"KeepsBranchesOfOneCompanyApart", "Acme East", "Acme West", 7.0 / 9},
		// "traders" / "trading": 3 edits in 17; both stem to "northwind trad".
		{"ForgivesInflectionalEndings", "Northwind Traders", "Northwind Trading", (14.0/17 + 1) / 2},
		// "acme tower" (10) / "acme towing" (11): 3 edits; both stem to "acme tow".
		{"ForgivesEndingsOnlyHalfWay", "Acme Tower", "Acme Towing", (8.0/11 + 1) / 2},
		// "contoso pharmaceuticals" (23) / "contoso pharmaceutcals" (22): 1 edit;
		// stems "contoso pharmaceutical" (22) / "contoso pharmaceutcal" (21): 1 edit.
		{"AcceptsTypoInLongName", "Contoso Pharmaceuticals", "Contoso Pharmaceutcals", (22.0/23 + 21.0/22) / 2},
		// "woodgrove bank" / "woodgrove bnak": one swap of neighbours in 14.
		{"CountsSwapAsOneEdit", "Woodgrove Bank", "Woodgrove Bnak", 13.0 / 14},
		// "fabrikam" / "fabrikan": 1 substitution in 8.
		{"RejectsTypoInShortName", "Fabrikam", "Fabrikan", 7.0 / 8},
		{"RejectsOneLetterOfFour", "Bell", "Dell", 3.0 / 4},
		// "adventure works" (15) / "adventure works cycles" (22): 7 insertions;
		// stems "adventure work" (14) / "adventure work cycle" (20): 6.
		{"RejectsExtraWord", "Adventure Works", "Adventure Works Cycles", (15.0/22 + 14.0/20) / 2},
		// "acme services" / "acme service": 1 deletion in 13; same stems.
		{"AcceptsPluralOfLastWord", "Acme Services", "Acme Service", (12.0/13 + 1) / 2},
		{"ScoresNothingInCommonZero", "abc", "xyz", 0},
		{"ScoresEmptyNameZero", "", "Acme", 0},
		{"ScoresTwoEmptyNamesZero", "Ltd.", "!!!", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				if got := mapping.Similarity(pair[0], pair[1]); math.Abs(got-tt.want) > 1e-12 {
					t.Errorf("Similarity(%q, %q) = %.6f, want %.6f", pair[0], pair[1], got, tt.want)
				}
			}
		})
	}
}

func FuzzSimilarity(f *testing.F) {
	f.Add("Northwind Traders", "Northwind Trading")
	f.Add("Acme East", "Acme West")
	f.Add("Contoso Ltd", "")
	f.Add("Ørsted A/S", "Orsted")
	f.Fuzz(func(t *testing.T, a, b string) {
		got := mapping.Similarity(a, b)
		if got < 0 || got > 1 {
			t.Errorf("Similarity(%q, %q) = %v, want within [0, 1]", a, b, got)
		}
		if back := mapping.Similarity(b, a); back != got {
			t.Errorf("Similarity(%q, %q) = %v but Similarity(%q, %q) = %v", a, b, got, b, a, back)
		}
		na, nb := mapping.NormaliseName(a), mapping.NormaliseName(b)
		if same := na != "" && na == nb; same != (got == 1) {
			t.Errorf("Similarity(%q, %q) = %v with normalised names %q and %q", a, b, got, na, nb)
		}
	})
}
