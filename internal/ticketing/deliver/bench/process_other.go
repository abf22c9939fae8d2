//go:build !linux

package bench

import "os/exec"

// dieWithParent does nothing where the kernel cannot kill a child with its
// parent: the benchmark stops its replicas itself.
func dieWithParent(*exec.Cmd) {}
