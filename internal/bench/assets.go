package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"halobridge/internal/mapping/assetmatch"
)

// AssetsOptions size the asset-matching benchmark.
type AssetsOptions struct {
	Endpoints int `json:"endpoints"` // default 10,000
	Assets    int `json:"assets"`    // default 10,000
	// Runs of each measure; the fastest counts, as the one least disturbed
	// by the rest of the machine (default 3).
	Runs int `json:"runs"`
}

func (o AssetsOptions) withDefaults() AssetsOptions {
	if o.Endpoints <= 0 {
		o.Endpoints = 10_000
	}
	if o.Assets <= 0 {
		o.Assets = 10_000
	}
	if o.Runs <= 0 {
		o.Runs = 3
	}
	return o
}

// AssetsReport is what 'halobridge bench assets' prints.
type AssetsReport struct {
	Machine   string          `json:"machine"`
	Endpoints int             `json:"endpoints"`
	Assets    int             `json:"assets"`
	Modes     []AssetsModeRun `json:"modes"`
	Baseline  float64         `json:"baseline_seconds"`
	// Ratio is the slowest mode's time over the baseline's.
	Ratio float64 `json:"ratio_to_baseline"`
}

// AssetsModeRun is one mode's measure: its time and what it found.
type AssetsModeRun struct {
	Mode        assetmatch.Mode `json:"mode"`
	Seconds     float64         `json:"seconds"`
	Suggestions int             `json:"suggestions"`
	Ambiguous   int             `json:"ambiguous"`
	Unmatched   int             `json:"unmatched"`
	Ratio       float64         `json:"ratio_to_baseline"`
}

// AssetRules are the rules the benchmark matches with in one mode: the
// asset tag against the name, then the MAC and IP fields.
func AssetRules(mode assetmatch.Mode) assetmatch.Settings {
	return assetmatch.Settings{Rules: []assetmatch.Rule{
		{AssetField: "inventory_number", Property: assetmatch.PropertyName, Mode: mode},
		{AssetField: "MAC Address", Property: assetmatch.PropertyMAC, Mode: mode},
		{AssetField: "IP Address", Property: assetmatch.PropertyIP, Mode: mode},
	}}
}

// Assets times Match on a world of endpoints and assets built the same
// way every time, in each mode, beside the bare cost of putting every
// asset value in one map.
func Assets(opts AssetsOptions) AssetsReport {
	opts = opts.withDefaults()
	endpoints, assets := AssetWorld(opts.Endpoints, opts.Assets)
	report := AssetsReport{Machine: machine(), Endpoints: len(endpoints), Assets: len(assets)}
	report.Baseline = fastest(opts.Runs, func() { valueMap(assets) })
	for _, mode := range []assetmatch.Mode{assetmatch.ModeExact, assetmatch.ModeContains} {
		var r assetmatch.Result
		secs := fastest(opts.Runs, func() { r = assetmatch.Match(AssetRules(mode), endpoints, assets, nil) })
		run := AssetsModeRun{Mode: mode, Seconds: secs, Suggestions: len(r.Suggestions), Ambiguous: len(r.Ambiguous),
			Unmatched: len(r.Unmatched), Ratio: secs / report.Baseline}
		report.Modes = append(report.Modes, run)
		report.Ratio = max(report.Ratio, run.Ratio)
	}
	return report
}

// fastest is the shortest of runs timings of fn, in seconds, each begun
// after a collection, so that none pays for the garbage of the one before.
func fastest(runs int, fn func()) float64 {
	best := time.Duration(-1)
	for range runs {
		runtime.GC()
		start := time.Now()
		fn()
		if d := time.Since(start); best < 0 || d < best {
			best = d
		}
	}
	return max(best.Seconds(), 1e-9)
}

// valueMap is the baseline: the least any matching must do, one map of
// every asset value to its asset.
func valueMap(assets []assetmatch.Asset) map[string]int {
	m := make(map[string]int)
	for _, a := range assets {
		for _, v := range a.Fields {
			m[v] = a.ID
		}
	}
	return m
}

// AssetWorld builds endpoints and assets as an MSP's would look, the same
// for the same sizes. Endpoint i and asset i+1 go together, ten at a time:
//
//	0-4  the asset tag is the endpoint's name, in other case (both modes suggest)
//	5-6  the tag is the name and its user, "DESKTOP-… (Anna)", the MAC
//	     field the endpoint's MAC with dashes (contains suggests by the tag,
//	     exact by the MAC)
//	7    the tag is the endpoint's FQDN (the exact name rule's first label)
//	8    the tag is the name of the endpoint eight before, whose match
//	     becomes ambiguous; this endpoint has nothing to match
//	9    the tag is an asset number, the IP field lists the endpoint's
//	     address and another (the IP rule decides)
//
// Assets beyond the endpoints are spares that match nothing; endpoints
// beyond the assets have none.
func AssetWorld(endpoints, assets int) ([]assetmatch.Endpoint, []assetmatch.Asset) {
	rng := rand.New(rand.NewPCG(18, 1))
	prefixes := []string{"DESKTOP", "LAPTOP", "SRV", "WS"}
	people := []string{"Anna", "Ben", "Chloé", "Dev", "Eva", "Farid"}
	used := map[string]bool{}
	eps := make([]assetmatch.Endpoint, endpoints)
	for i := range eps {
		name := ""
		for name == "" || used[name] {
			name = prefixes[i%len(prefixes)] + "-" + randomAlnum(rng, 7)
		}
		used[name] = true
		eps[i] = assetmatch.Endpoint{ID: fmt.Sprintf("gz-%06d", i), Name: name, FQDN: strings.ToLower(name) + ".corp.local",
			IPs:  []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)},
			MACs: []string{fmt.Sprintf("%012x", 0x00155d000000+i)}}
	}
	as := make([]assetmatch.Asset, assets)
	for i := range as {
		fields := map[string]string{}
		if i >= endpoints {
			fields["inventory_number"] = fmt.Sprintf("SPARE-%06d", i)
			as[i] = assetmatch.Asset{ID: i + 1, Fields: fields}
			continue
		}
		e := eps[i]
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			fields["inventory_number"] = strings.ToLower(e.Name)
			fields["MAC Address"] = colonMAC(e.MACs[0])
		case 5, 6:
			fields["inventory_number"] = e.Name + " (" + people[i%len(people)] + ")"
			fields["MAC Address"] = strings.ReplaceAll(colonMAC(e.MACs[0]), ":", "-") + ", 02:42:AC:11:00:02"
		case 7:
			fields["inventory_number"] = e.FQDN
		case 8:
			fields["inventory_number"] = eps[i-8].Name
		case 9:
			fields["inventory_number"] = fmt.Sprintf("A-%06d", i)
			fields["IP Address"] = e.IPs[0] + "; 192.168.1.1"
		}
		as[i] = assetmatch.Asset{ID: i + 1, Fields: fields}
	}
	return eps, as
}

func randomAlnum(rng *rand.Rand, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// colonMAC writes 12 hex digits as HaloPSA fields often hold them:
// "AA:BB:CC:DD:EE:FF".
func colonMAC(hex string) string {
	var b strings.Builder
	for i := 0; i < len(hex); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(hex[i : i+2]))
	}
	return b.String()
}
