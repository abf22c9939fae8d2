package bench

import (
	"fmt"
	"runtime"
)

// machine describes where the figures were measured.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}
