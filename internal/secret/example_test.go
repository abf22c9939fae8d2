package secret_test

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"halobridge/internal/secret"
)

func ExampleKeyring() {
	oldKey := bytes.Repeat([]byte{0}, 32)
	newKey := bytes.Repeat([]byte{1}, 32)

	before, _ := secret.LoadKeyring(base64.StdEncoding.EncodeToString(oldKey), "", nil)
	sealed, _ := before.Seal("client-secret")

	// After a rotation HALOBRIDGE_SECRET_KEY lists the new key first.
	after, _ := secret.LoadKeyring(base64.StdEncoding.EncodeToString(newKey)+","+base64.StdEncoding.EncodeToString(oldKey), "", nil)
	plain, _ := after.Open(sealed)
	fmt.Println(plain, after.NeedsRotation(sealed))
	fmt.Println(secret.Mask(plain))
	// Output:
	// client-secret true
	// ••••cret
}
