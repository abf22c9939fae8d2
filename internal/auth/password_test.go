package auth_test

import (
	"errors"
	"strings"
	"testing"

	"halobridge/internal/auth"
)

func TestHashPassword(t *testing.T) {
	t.Parallel()

	t.Run("RecordsItsParametersAndARandomSalt", func(t *testing.T) {
		t.Parallel()
		first, err := auth.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		second, _ := auth.HashPassword(testPassword)
		if !strings.HasPrefix(first, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(first, "$") != 5 {
			t.Errorf("hash %q is not argon2id in PHC format with m=19456,t=2,p=1", first)
		}
		if first == second {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
		for _, h := range []string{first, second} {
			if ok, err := auth.CheckPassword(h, testPassword); !ok || err != nil {
				t.Errorf("CheckPassword(right password) = %v, %v", ok, err)
			}
			if ok, err := auth.CheckPassword(h, testPassword+" "); ok || err != nil {
				t.Errorf("CheckPassword(wrong password) = %v, %v", ok, err)
			}
		}
	})

	t.Run("ChecksWithTheParametersTheHashRecords", func(t *testing.T) {
		t.Parallel()
		// A test vector of the argon2 reference implementation (test.c):
		// "password" with salt "somesalt", 64 MiB, two passes, one lane.
		const old = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
		ok, err := auth.CheckPassword(old, "password")
		if err != nil || !ok {
			t.Errorf("CheckPassword(hash with other parameters) = %v, %v; want true", ok, err)
		}
	})

	t.Run("RefusesMalformedHashes", func(t *testing.T) {
		t.Parallel()
		for _, h := range []string{
			"",
			"plaintext",
			"$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$KSA6ui4AvHDw47mn7C2fnQ/Sbk1cSK4Ol0nK5Uo6rKc",
			"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$KSA6ui4AvHDw47mn7C2fnQ/Sbk1cSK4Ol0nK5Uo6rKc",
			"$argon2id$v=19$m=0,t=1,p=1$c29tZXNhbHQ$KSA6ui4AvHDw47mn7C2fnQ/Sbk1cSK4Ol0nK5Uo6rKc",
			"$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$KSA6ui4AvHDw47mn7C2fnQ/Sbk1cSK4Ol0nK5Uo6rKc",
			"$argon2id$v=19$m=64,t=1,p=1$!!!$KSA6ui4AvHDw47mn7C2fnQ/Sbk1cSK4Ol0nK5Uo6rKc",
			"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c2hvcnQ",
		} {
			if ok, err := auth.CheckPassword(h, "password"); ok || err == nil {
				t.Errorf("CheckPassword(%q) = %v, %v; want an error", h, ok, err)
			}
		}
	})
}

func TestCheckPasswordRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		password string
		ok       bool
	}{
		{"", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ünïcödé-pässwörd", true},
		{"äöüäöüäöüäö", false}, // 11 characters, 22 bytes
		{strings.Repeat("x", 1024), true},
		{strings.Repeat("x", 1025), false},
	}
	for _, c := range cases {
		err := auth.CheckPasswordRules(c.password)
		if c.ok != (err == nil) || err != nil && !errors.Is(err, auth.ErrWeakPassword) {
			t.Errorf("CheckPasswordRules(%d bytes) = %v, want ok %v", len(c.password), err, c.ok)
		}
	}
}
