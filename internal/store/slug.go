package store

import (
	"fmt"
	"strings"
)

// maxSlugLen keeps a slug usable as a DNS label as well as a path segment.
const maxSlugLen = 63

// validSlug accepts lower-case ASCII letters and digits in groups joined by
// single hyphens: safe in a URL path without escaping.
func validSlug(s string) error {
	if s == "" || len(s) > maxSlugLen {
		return fmt.Errorf("slug %q: %w: want 1 to %d characters", s, ErrInvalid, maxSlugLen)
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-' && i > 0 && i < len(s)-1 && s[i-1] != '-':
		default:
			return fmt.Errorf("slug %q: %w: want lower-case letters, digits and single hyphens between them", s, ErrInvalid)
		}
	}
	return nil
}

// slugify makes a slug from a partner name: letters and digits are kept in
// lower case, and every run of anything else becomes one hyphen.
func slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return strings.TrimRight(b.String()[:min(b.Len(), maxSlugLen)], "-")
}
