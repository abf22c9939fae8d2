package mapping

import (
	"strings"
	"unicode"
)

// DomainOf returns the registrable domain of an e-mail address, a URL or a
// bare host name, in lower case: "John <j@mail.Contoso.com>",
// "https://www.contoso.com:8443/about" and "contoso.com" all give
// "contoso.com". It returns "" for anything that cannot identify a company:
// free-mail providers (gmail.com, outlook.com…), IP addresses, single-label
// hosts and text that is not a host name. Internationalised names are kept
// in Unicode, not converted to punycode.
func DomainOf(s string) string {
	host := hostOf(s)
	labels := strings.Split(host, ".")
	if !validHost(labels) {
		return ""
	}
	suffix := publicSuffixLen(labels)
	if len(labels) <= suffix {
		return ""
	}
	domain := strings.Join(labels[len(labels)-suffix-1:], ".")
	if isFreeMail(domain, labels[len(labels)-suffix-1]) {
		return ""
	}
	return domain
}

// hostOf extracts the host from an address, a URL or a host name.
func hostOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if open := strings.LastIndexByte(s, '<'); open >= 0 {
		if end := strings.IndexByte(s[open:], '>'); end > 0 {
			s = s[open+1 : open+end]
		}
	}
	s = strings.TrimPrefix(s, "mailto:")
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// validHost accepts dot-separated labels of letters, digits and hyphens whose
// last label (the top-level domain) has a letter, which rules out IP
// addresses.
func validHost(labels []string) bool {
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
		}
	}
	return strings.IndexFunc(labels[len(labels)-1], unicode.IsLetter) >= 0
}

// publicSuffixes are the suffixes under which anyone can register a name,
// beyond single-label top-level domains: the common country second levels,
// and the hosting platforms under which each customer gets its own name
// (contoso.onmicrosoft.com is Contoso's Microsoft 365 tenant, not Microsoft).
// It is a deliberate subset of the Public Suffix List, which is not among
// this module's dependencies.
var publicSuffixes = map[string]bool{
	"co.uk": true, "org.uk": true, "me.uk": true, "ltd.uk": true, "plc.uk": true, "ac.uk": true, "gov.uk": true,
	"com.au": true, "net.au": true, "org.au": true, "edu.au": true, "gov.au": true,
	"co.nz": true, "net.nz": true, "org.nz": true,
	"co.za": true, "org.za": true,
	"co.in": true, "net.in": true, "org.in": true,
	"co.jp": true, "ne.jp": true, "or.jp": true,
	"co.kr": true, "co.il": true, "co.id": true, "co.th": true,
	"com.br": true, "net.br": true, "com.mx": true, "com.ar": true, "com.co": true,
	"com.sg": true, "com.hk": true, "com.cn": true, "com.tw": true, "com.my": true,
	"com.tr": true, "com.pl": true, "com.ua": true, "com.ph": true, "com.vn": true,
	"co.at": true, "or.at": true,
	"onmicrosoft.com": true, "mail.onmicrosoft.com": true, "sharepoint.com": true,
	"azurewebsites.net": true, "cloudapp.net": true, "herokuapp.com": true,
	"github.io": true, "gitlab.io": true, "netlify.app": true, "vercel.app": true, "pages.dev": true,
	"blogspot.com": true, "wixsite.com": true, "myshopify.com": true, "wordpress.com": true,
}

// publicSuffixLen is how many trailing labels form the public suffix.
func publicSuffixLen(labels []string) int {
	n := 1
	for k := 2; k <= 3 && k <= len(labels); k++ {
		if publicSuffixes[strings.Join(labels[len(labels)-k:], ".")] {
			n = k
		}
	}
	return n
}

// freeMailBrands are free-mail providers that operate under many country
// domains (hotmail.fr, yahoo.co.uk, gmx.de…): any registrable domain whose
// own label is one of these is free mail.
var freeMailBrands = map[string]bool{
	"gmail": true, "googlemail": true, "hotmail": true, "outlook": true, "yahoo": true,
	"ymail": true, "aol": true, "gmx": true, "icloud": true, "protonmail": true, "yandex": true,
}

// freeMailDomains are the other free-mail and consumer ISP domains, which
// never identify a company.
var freeMailDomains = map[string]bool{
	"live.com": true, "msn.com": true, "me.com": true, "mac.com": true,
	"proton.me": true, "pm.me": true, "mail.com": true, "email.com": true,
	"zoho.com": true, "zohomail.com": true, "fastmail.com": true, "hey.com": true,
	"tutanota.com": true, "tuta.io": true, "mail.ru": true, "inbox.ru": true,
	"qq.com": true, "163.com": true, "126.com": true, "naver.com": true, "rediffmail.com": true,
	"web.de": true, "t-online.de": true, "freenet.de": true, "orange.fr": true, "wanadoo.fr": true,
	"free.fr": true, "laposte.net": true, "sfr.fr": true, "libero.it": true, "virgilio.it": true,
	"seznam.cz": true, "wp.pl": true, "o2.pl": true, "interia.pl": true,
	"btinternet.com": true, "sky.com": true, "virginmedia.com": true, "bigpond.com": true,
	"comcast.net": true, "att.net": true, "verizon.net": true, "sbcglobal.net": true,
	"cox.net": true, "charter.net": true, "shaw.ca": true, "rogers.com": true, "sympatico.ca": true,
}

func isFreeMail(domain, label string) bool {
	return freeMailDomains[domain] || freeMailBrands[label]
}
