package assetmatch_test

import (
	"testing"

	"halobridge/internal/bench"
	"halobridge/internal/mapping/assetmatch"
)

// BenchmarkMatch matches 10,000 endpoints with 10,000 assets in each mode;
// 'halobridge bench assets' reports the same beside its baseline.
func BenchmarkMatch(b *testing.B) {
	endpoints, assets := bench.AssetWorld(10_000, 10_000)
	for _, mode := range []assetmatch.Mode{assetmatch.ModeExact, assetmatch.ModeContains} {
		b.Run(string(mode), func(b *testing.B) {
			s := bench.AssetRules(mode)
			for b.Loop() {
				assetmatch.Match(s, endpoints, assets, nil)
			}
		})
	}
}
