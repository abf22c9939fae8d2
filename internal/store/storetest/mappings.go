package storetest

import "testing"

func testMappings(t *testing.T, setup func(t *testing.T) *testBundle) {
}
