// Package bench measures halobridge against its performance targets and
// reports the figures as JSON. Benchmarks are commands ('halobridge bench
// ...'), not tests: timings are measured and printed, never asserted.
package bench
