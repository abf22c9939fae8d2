package web

import (
	"net/url"
	"strings"
)

// LocalPath returns target when it is a path on this site, with its query,
// and "" otherwise, so that a link ("?next=", "?then=") cannot send people
// elsewhere. Browsers are lenient where a check would be strict: they drop
// tabs and newlines anywhere ("/\t/evil" becomes "//evil", another host),
// read "\" as "/", and http.Redirect cleans "/a/../\evil" into "/\evil".
// So a target is refused when it has a control character or a backslash
// anywhere (in its path also percent-encoded), when it does not start with
// a single "/", or when it names a scheme or a host.
func LocalPath(target string) string {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || hasHostile(target) {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || hasHostile(u.Path) {
		return ""
	}
	return target
}

// hasHostile reports a control character or a backslash.
func hasHostile(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\\' {
			return true
		}
	}
	return false
}
