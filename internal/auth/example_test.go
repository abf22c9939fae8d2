package auth_test

import (
	"fmt"
	"strings"

	"halobridge/internal/auth"
)

// Operator passwords are stored as argon2id hashes that carry their own
// salt and parameters.
func ExampleHashPassword() {
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		panic(err)
	}
	right, _ := auth.CheckPassword(hash, "correct horse battery staple")
	wrong, _ := auth.CheckPassword(hash, "Tr0ub4dor&3")
	fmt.Println(strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"), right, wrong)
	// Output: true true false
}
