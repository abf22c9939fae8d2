package secret

// maskPrefix stands in for the hidden part of a secret.
const maskPrefix = "••••"

// Mask hides a secret for API answers: long secrets keep their last four
// characters so a person can tell which one is configured; short ones would
// give away too much of themselves, so they show nothing. An unset secret
// stays "" so it does not look configured.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	r := []rune(secret)
	if len(r) > 8 {
		return maskPrefix + string(r[len(r)-4:])
	}
	return maskPrefix
}
