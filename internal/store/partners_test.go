package store_test

import (
	"errors"
	"strings"
	"testing"

	"halobridge/internal/store"
)

func TestCheckPartnerName(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, wantErr string }{
		{"Acme IT", "Acme IT", ""},
		{"  Acme IT \n", "Acme IT", ""},
		{"Zoë’s Managed Services", "Zoë’s Managed Services", ""},
		{strings.Repeat("é", 100), strings.Repeat("é", 100), ""},
		{"", "", "enter a name"},
		{" \t ", "", "enter a name"},
		{strings.Repeat("a", 101), "", "a name has at most 100 characters; this one has 101"},
		{"Acme\nIT", "", "a name cannot hold control characters such as line breaks or tabs"},
		{"Acme\x00IT", "", "a name cannot hold control characters such as line breaks or tabs"},
		{"Acme \xff", "", "the name is not valid UTF-8 text"},
	}
	for _, c := range cases {
		got, err := store.CheckPartnerName(c.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("CheckPartnerName(%q): %v is not ErrInvalid", c.in, err)
			}
		}
		if got != c.want || gotErr != c.wantErr {
			t.Errorf("CheckPartnerName(%q) = %q, %q; want %q, %q", c.in, got, gotErr, c.want, c.wantErr)
		}
	}
}
