package mapping_test

import (
	"strings"
	"testing"

	"halobridge/internal/mapping"
)

func TestDomainOf(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		in   string
		want string
	}{
		{"TakesDomainOfAddress", "alice@contoso.com", "contoso.com"},
		{"TakesDomainOfDisplayNameAddress", "Alice Smith <alice@Contoso.COM>", "contoso.com"},
		{"StripsMailto", "mailto:alice@contoso.com", "contoso.com"},
		{"StripsSchemeWWWPortPathQueryAndFragment", "https://www.contoso.com:8443/about?x=1#top", "contoso.com"},
		{"StripsUserInfo", "ftp://user:secret@files.contoso.com/pub", "contoso.com"},
		{"AcceptsBareHost", "contoso.com", "contoso.com"},
		{"AcceptsHostWithPath", "www.contoso.com/contact", "contoso.com"},
		{"TrimsSpaceAndLowerCases", "  WWW.Contoso.Com  ", "contoso.com"},
		{"StripsTrailingDot", "contoso.com.", "contoso.com"},
		{"StripsSubdomains", "mail.eu.contoso.com", "contoso.com"},
		{"KeepsCountrySecondLevel", "www.contoso.co.uk", "contoso.co.uk"},
		{"KeepsAustralianSecondLevel", "bob@shop.fabrikam.com.au", "fabrikam.com.au"},
		{"KeepsMicrosoftTenant", "admin@contoso.onmicrosoft.com", "contoso.onmicrosoft.com"},
		{"KeepsMicrosoftTenantMailDomain", "contoso.mail.onmicrosoft.com", "contoso.mail.onmicrosoft.com"},
		{"KeepsSharePointTenant", "https://contoso.sharepoint.com/sites/it", "contoso.sharepoint.com"},
		{"KeepsUnicodeNames", "info@müller.de", "müller.de"},
		{"KeepsHyphens", "https://north-wind.example", "north-wind.example"},
		{"IgnoresGmail", "bob@gmail.com", ""},
		{"IgnoresOutlook", "bob@outlook.com", ""},
		{"IgnoresHotmailOfAnyCountry", "bob@hotmail.co.uk", ""},
		{"IgnoresYahooOfAnyCountry", "yahoo.fr", ""},
		{"IgnoresICloud", "bob@icloud.com", ""},
		{"IgnoresProtonMail", "bob@proton.me", ""},
		{"IgnoresConsumerISP", "bob@btinternet.com", ""},
		{"IgnoresIPAddress", "http://192.168.1.10/", ""},
		{"IgnoresIPAddressWithPort", "10.0.0.1:8080", ""},
		{"IgnoresSingleLabel", "localhost", ""},
		{"IgnoresPublicSuffixAlone", "co.uk", ""},
		{"IgnoresEmptyLabel", "contoso..com", ""},
		{"IgnoresLeadingHyphen", "-contoso.com", ""},
		{"IgnoresSpaces", "not a domain", ""},
		{"IgnoresUnderscore", "my_site.com", ""},
		{"IgnoresEmpty", "", ""},
		{"IgnoresBareAt", "@", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mapping.DomainOf(tt.in); got != tt.want {
				t.Errorf("DomainOf(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzDomainOf(f *testing.F) {
	for _, s := range []string{"alice@contoso.com", "https://www.contoso.co.uk:8443/x", "Bob <b@mail.contoso.com>", "10.0.0.1", "a.b.c.onmicrosoft.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := mapping.DomainOf(in)
		if got == "" {
			return
		}
		if again := mapping.DomainOf(got); again != got {
			t.Errorf("DomainOf(%q) = %q, but DomainOf(%q) = %q", in, got, got, again)
		}
		if strings.ContainsAny(got, "/:@?# ") || got != strings.ToLower(got) {
			t.Errorf("DomainOf(%q) = %q, want a lower-case host name", in, got)
		}
	})
}
