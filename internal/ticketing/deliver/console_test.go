package deliver

import "testing"

// TestConsoleAddress finds the GravityZone console where its Access URL is: the same https
// site, without the API's path (API.md §1: the Access URL is the console's address + /api).
func TestConsoleAddress(t *testing.T) {
	t.Parallel()
	for apiURL, want := range map[string]string{
		"https://cloud.gravityzone.bitdefender.com/api":    "https://cloud.gravityzone.bitdefender.com",
		" https://cloudgz.gravityzone.bitdefender.com/api": "https://cloudgz.gravityzone.bitdefender.com",
		"https://gz.msp.example:8443/api/":                 "https://gz.msp.example:8443",
		"http://127.0.0.1:8082/api":                        "",
		"https://user:pw@gz.example/api":                   "",
		"not a url":                                        "",
		"":                                                 "",
	} {
		if got := consoleAddress(apiURL); got != want {
			t.Errorf("consoleAddress(%q) = %q, want %q", apiURL, got, want)
		}
	}
}
