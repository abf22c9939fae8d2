package storetest

import "testing"

func testTickets(t *testing.T, setup func(t *testing.T) *testBundle) {
}
