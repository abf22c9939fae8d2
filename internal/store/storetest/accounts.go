package storetest

import "testing"

func testAccounts(t *testing.T, setup func(t *testing.T) *testBundle) {
}
