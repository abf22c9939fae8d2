package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchAssets(t *testing.T) {
	t.Parallel()

	t.Run("PrintsEachModeUnderTheIssuesKeys", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		if code := Main(context.Background(), []string{"bench", "assets", "--endpoints", "20", "--assets", "30", "--runs", "1"}, b.env); code != 0 {
			t.Fatalf("exit %d: %s", code, b.stderr)
		}
		var report struct {
			Endpoints int `json:"endpoints"`
			Assets    int `json:"assets"`
			Modes     []struct {
				Mode        string   `json:"mode"`
				Seconds     *float64 `json:"seconds"`
				Suggestions int      `json:"suggestions"`
				Ambiguous   int      `json:"ambiguous"`
			} `json:"modes"`
			Baseline *float64 `json:"baseline_seconds"`
			Ratio    *float64 `json:"ratio_to_baseline"`
		}
		if err := json.Unmarshal([]byte(b.stdout.String()), &report); err != nil {
			t.Fatalf("the report is not JSON: %v\n%s", err, b.stdout)
		}
		if report.Endpoints != 20 || report.Assets != 30 || report.Baseline == nil || report.Ratio == nil || len(report.Modes) != 2 {
			t.Fatalf("report %s", b.stdout)
		}
		for i, mode := range []string{"exact", "contains"} {
			m := report.Modes[i]
			if m.Mode != mode || m.Seconds == nil || m.Suggestions != 16 || m.Ambiguous != 2 {
				t.Errorf("mode %d: %+v, want %s with 16 suggestions and 2 ambiguous", i, m, mode)
			}
		}
	})

	t.Run("RefusesSizesItCannotBuild", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"--endpoints", "0"}, "--endpoints, --assets and --runs must be at least 1"},
			{[]string{"--assets", "2000000"}, "--endpoints and --assets are at most 1,000,000 each"},
			{[]string{"extra"}, `bench assets takes no arguments, got ["extra"]`},
		} {
			b := setup(t, nil)
			if code := Main(context.Background(), append([]string{"bench", "assets"}, tt.args...), b.env); code != 1 || !strings.Contains(b.stderr.String(), tt.want) {
				t.Errorf("%v: exit %d, stderr %s; want 1 and %q", tt.args, code, b.stderr, tt.want)
			}
		}
	})
}
