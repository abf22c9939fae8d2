package mapping_test

import (
	"strings"
	"testing"

	"halobridge/internal/mapping"
)

func TestNormaliseName(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		in   string
		want string
	}{
		{"LowerCasesAndTrims", "  ACME  Widgets ", "acme widgets"},
		{"FoldsFrenchAccents", "Société Générale", "societe generale"},
		{"FoldsGermanUmlautsAndSharpS", "Großhandel Müller GmbH", "grosshandel muller"},
		{"FoldsDanishLettersAndAS", "Ørsted A/S", "orsted"},
		{"FoldsAeLigatureAndApS", "Kæmpe ApS", "kaempe"},
		{"FoldsPolishLettersAndSpZoo", "Łódź Sp. z o.o.", "lodz"},
		{"FoldsCapitalSharpS", "STRAẞE AG", "strasse"},
		{"FoldsFullWidthLettersAndLigatures", "ＡＣＭＥ ﬁnance", "acme finance"},
		{"ReadsAmpersandAsAnd", "Johnson & Johnson", "johnson and johnson"},
		{"ReadsAmpersandWithoutSpacesAsAnd", "AT&T", "at and t"},
		{"DropsApostrophes", "McDonald’s Corp.", "mcdonalds"},
		{"CollapsesPunctuationAndSpaces", "Coca-Cola  (Europe)", "coca cola europe"},
		{"RemovesRepeatedLegalForms", "Acme Holdings Pty Ltd", "acme holdings"},
		{"RemovesDottedRepeatedLegalForms", "Acme Holdings Pty. Ltd.", "acme holdings"},
		{"RemovesGmbHAndCoKG", "Müller GmbH & Co. KG", "muller"},
		{"RemovesCommaInc", "Acme, Inc.", "acme"},
		{"RemovesIncorporated", "Acme Incorporated", "acme"},
		{"RemovesDottedLLC", "Acme L.L.C.", "acme"},
		{"RemovesDottedSAS", "Dupont S.A.S.", "dupont"},
		{"RemovesSpacedSA", "Acme S. A.", "acme"},
		{"RemovesBV", "Heineken B.V.", "heineken"},
		{"RemovesNV", "Philips N.V.", "philips"},
		{"RemovesSpA", "Fiat S.p.A.", "fiat"},
		{"RemovesSrl", "Rossi S.r.l.", "rossi"},
		{"RemovesSARL", "Boulangerie Paul SARL", "boulangerie paul"},
		{"RemovesPLC", "Tesco PLC", "tesco"},
		{"RemovesOy", "Nokia Oyj", "nokia"},
		{"RemovesAB", "Volvo AB", "volvo"},
		{"RemovesLLP", "Baker McKenzie LLP", "baker mckenzie"},
		{"RemovesMexicanForm", "Acme, S.A. de C.V.", "acme"},
		{"RemovesPrivateLimitedAsAWhole", "Infosys Private Limited", "infosys"},
		{"RemovesAndCo", "Smith & Co", "smith"},
		{"RemovesCompany", "The Coca-Cola Company", "coca cola"},
		{"DropsLeadingThe", "The Acme Group", "acme group"},
		{"DropsRepeatedLeadingThe", "The The Acme", "acme"},
		{"KeepsTheInsideName", "Bring The Noise Ltd", "bring the noise"},
		{"KeepsLegalWordAtStart", "Limited Brands Inc", "limited brands"},
		{"KeepsLegalWordInsideName", "Co-op Food Ltd", "co op food"},
		{"KeepsLegalWordAsWholeNameOnly", "Company", "company"},
		{"KeepsLastWordOfTheLimited", "The Limited", "limited"},
		{"KeepsTheAlone", "The", "the"},
		{"KeepsDigits", "3M Company", "3m"},
		{"JoinsDottedInitials", "J.P. Morgan", "jp morgan"},
		{"JoinsSpacedDottedInitials", "J. P. Morgan & Co.", "jp morgan"},
		{"JoinsInitialsGluedToAWord", "J.P.Morgan", "jp morgan"},
		{"SplitsDottedWords", "acme.com", "acme com"},
		{"KeepsUndottedSingleLetters", "A B Dick", "a b dick"},
		{"KeepsOtherScripts", "ЯНДЕКС", "яндекс"},
		{"GivesEmptyForNoLettersOrDigits", "!!! --- ...", ""},
		{"GivesEmptyForEmpty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mapping.NormaliseName(tt.in); got != tt.want {
				t.Errorf("NormaliseName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormaliseNameAgreesOnSpellingsOfOneCompany(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		a, b string
	}{
		{"LimitedAndLtd", "Contoso Ltd", "CONTOSO LIMITED"},
		{"AccentsAndNone", "Café Crème SARL", "Cafe Creme"},
		{"AmpersandAndAnd", "Smith & Jones Ltd", "Smith and Jones"},
		{"HyphenAndSpace", "Coca-Cola", "Coca Cola Company"},
		{"DotsAndNoDots", "Dupont S.A.", "Dupont SA"},
		{"PtyLtdAndNone", "Woolworths Pty Ltd", "Woolworths"},
		{"GmbHAndCoKGAndGmbH", "Bosch GmbH & Co. KG", "Bosch GmbH"},
		{"TheAndNone", "The Northwind Company", "Northwind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := mapping.NormaliseName(tt.a), mapping.NormaliseName(tt.b)
			if a != b {
				t.Errorf("NormaliseName(%q) = %q, NormaliseName(%q) = %q, want equal", tt.a, a, tt.b, b)
			}
		})
	}
}

func FuzzNormaliseName(f *testing.F) {
	for _, s := range []string{"Acme Holdings Pty Ltd", "The The", "S.A.S.", "Ørsted A/S", "J. P. Morgan & Co.", "ＡＣＭＥ", "x&", "the ltd and"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := mapping.NormaliseName(in)
		if again := mapping.NormaliseName(got); again != got {
			t.Errorf("NormaliseName(%q) = %q, but NormaliseName(%q) = %q", in, got, got, again)
		}
		if got != strings.Join(strings.Fields(got), " ") {
			t.Errorf("NormaliseName(%q) = %q, want single spaces between words and none around", in, got)
		}
		if got != strings.ToLower(got) {
			t.Errorf("NormaliseName(%q) = %q, want lower case", in, got)
		}
	})
}
