package source_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

func TestEndpointClean(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	var manyIPs []string
	for i := range 40 {
		manyIPs = append(manyIPs, fmt.Sprintf("10.0.0.%d", i))
	}
	tests := []struct {
		name string
		in   source.Endpoint
		want source.Endpoint
		ok   bool
	}{
		{"KeepsAPlainEndpoint",
			source.Endpoint{ID: "e-1", Name: "FIN-LAPTOP-07", Label: "Finance", FQDN: "fin-laptop-07.acme.local", OS: "Windows 11 Pro",
				IPs: []string{"10.0.0.7"}, MACs: []string{"001a2b3c4d5e"}, Managed: true},
			source.Endpoint{ID: "e-1", Name: "FIN-LAPTOP-07", Label: "Finance", FQDN: "fin-laptop-07.acme.local", OS: "Windows 11 Pro",
				IPs: []string{"10.0.0.7"}, MACs: []string{"001a2b3c4d5e"}, Managed: true}, true},
		{"WritesMACsAsTwelveLowercaseHexDigits",
			source.Endpoint{ID: "e-2", MACs: []string{"00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5f", "001A.2B3C.4D60", " AABBCCDDEEFF "}},
			source.Endpoint{ID: "e-2", MACs: []string{"001a2b3c4d5e", "001a2b3c4d5f", "001a2b3c4d60", "aabbccddeeff"}}, true},
		{"LeavesOutWhatIsNotAMACAndRepeats",
			source.Endpoint{ID: "e-3", MACs: []string{"", "00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5E:6F", "zz:1a:2b:3c:4d:5e", "001a2b3c4d5e", "00:1a:2b:3c:4d:5e"},
				IPs: []string{" 10.0.0.1 ", "", "10.0.0.1"}},
			source.Endpoint{ID: "e-3", MACs: []string{"001a2b3c4d5e"}, IPs: []string{"10.0.0.1"}}, true},
		{"ReplacesNULAndInvalidBytes",
			source.Endpoint{ID: " e-4 ", Name: "PC\x00-1", FQDN: "pc\xff.local"},
			source.Endpoint{ID: "e-4", Name: "PC\uFFFD-1", FQDN: "pc\uFFFD.local"}, true},
		{"CutsALongNameOnACharacter",
			source.Endpoint{ID: "e-5", Name: long, OS: long},
			source.Endpoint{ID: "e-5", Name: strings.Repeat("é", 128), OS: strings.Repeat("é", 128)}, true},
		{"KeepsAtMost32Addresses",
			source.Endpoint{ID: "e-6", IPs: manyIPs},
			source.Endpoint{ID: "e-6", IPs: manyIPs[:32]}, true},
		{"RefusesNoId", source.Endpoint{ID: "  ", Name: "Nobody"}, source.Endpoint{Name: "Nobody"}, false},
		{"RefusesATooLongId", source.Endpoint{ID: strings.Repeat("x", 257)}, source.Endpoint{ID: strings.Repeat("x", 257)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.in
			e.IPs = append([]string(nil), tt.in.IPs...)
			if ok := e.Clean(); ok != tt.ok || !cmp.Equal(e, tt.want, cmpEmpty) {
				t.Errorf("Clean = %v, want %v; diff:\n%s", ok, tt.ok, cmp.Diff(tt.want, e, cmpEmpty))
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("nilEmpty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func TestNormaliseMAC(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"00:1A:2B:3C:4D:5E": "001a2b3c4d5e",
		"001a2b3c4d5e":      "001a2b3c4d5e",
		"00-1a-2b-3c-4d-5e": "001a2b3c4d5e",
		"":                  "",
		"001a2b3c4d5g":      "",
		"001a2b3c4d5e00":    "",
		"00:1a:2b:3c:4d":    "",
	} {
		if got := source.NormaliseMAC(in); got != want {
			t.Errorf("NormaliseMAC(%q) = %q, want %q", in, got, want)
		}
	}
}
