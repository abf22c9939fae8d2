package storetest

import "testing"

func testSyncRuns(t *testing.T, setup func(t *testing.T) *testBundle) {
}
