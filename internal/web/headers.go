package web

import "net/http"

// Content security policies. Every answer gets answerPolicy, which lets
// nothing run or load: JSON, text and redirects need nothing. Pages set
// PagePolicy or SignInPolicy: scripts and styles from halobridge's own
// files only (htmx is embedded and served from /assets), no inline script,
// style or event handler, and no framing by other sites (clickjacking).
const (
	answerPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	// PagePolicy is the portal's: its forms post to halobridge only.
	PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	// SignInPolicy leaves form-action open: "Log in with HaloPSA" posts to
	// halobridge, which answers with a redirect to the partner's own
	// HaloPSA, and browsers hold a form's redirects to form-action too.
	SignInPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)

// baseHeaders are set on every answer before any route writes one.
func baseHeaders(h http.Header) {
	h.Set("Content-Security-Policy", answerPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// PageHeaders are the headers of a page of the portal or of signing in:
// policy, no sniffing, no referrer to other sites, and no caching of what a
// signed-in person saw.
func PageHeaders(h http.Header, policy string) {
	baseHeaders(h)
	h.Set("Content-Security-Policy", policy)
	h.Set("Cache-Control", "no-store")
}
