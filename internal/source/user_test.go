package source_test

import (
	"strings"
	"testing"

	"halobridge/internal/source"
)

func TestUserClean(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		name string
		in   source.User
		want source.User
		ok   bool
	}{
		{"KeepsAPlainUser", source.User{ID: "u-1", Name: "Anna Moreau", Email: "anna@example.com"},
			source.User{ID: "u-1", Name: "Anna Moreau", Email: "anna@example.com"}, true},
		{"ReplacesNULAndInvalidBytes", source.User{ID: " u-2 ", Name: "An\x00na", Email: "a\xffb@example.com"},
			source.User{ID: "u-2", Name: "An\uFFFDna", Email: "a\uFFFDb@example.com"}, true},
		{"CutsALongNameOnACharacter", source.User{ID: "u-3", Name: long},
			source.User{ID: "u-3", Name: strings.Repeat("é", 128)}, true},
		{"RefusesNoId", source.User{ID: "  ", Name: "Nobody"}, source.User{Name: "Nobody"}, false},
		{"RefusesATooLongId", source.User{ID: strings.Repeat("x", 257)}, source.User{ID: strings.Repeat("x", 257)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := tt.in
			if ok := u.Clean(); ok != tt.ok || u != tt.want {
				t.Errorf("Clean = %v, %+v; want %v, %+v", ok, u, tt.ok, tt.want)
			}
		})
	}
}
