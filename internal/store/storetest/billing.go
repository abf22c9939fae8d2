package storetest

import "testing"

func testBilling(t *testing.T, setup func(t *testing.T) *testBundle) {
}
