package storetest

import "testing"

func testSetup(t *testing.T, setup func(t *testing.T) *testBundle) {
}
