//go:build !unix

package bench

import "time"

// processCPU is not measured here: the reports leave CPU figures out.
func processCPU() time.Duration { return 0 }
