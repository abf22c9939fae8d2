package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestApplyEnv(t *testing.T) {
	t.Parallel()

	parse := func(t *testing.T, args []string, env map[string]string) (Config, error) {
		t.Helper()
		c := Default()
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		c.Storage(fs)
		c.Server(fs)
		c.Halo(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c, ApplyEnv(fs, func(k string) string { return env[k] })
	}

	t.Run("FlagWinsOverEnvironment", func(t *testing.T) {
		t.Parallel()
		c, err := parse(t, []string{"--listen", ":9000"}, map[string]string{"HALOBRIDGE_LISTEN": ":7000"})
		if err != nil || c.ListenAddr != ":9000" {
			t.Fatalf("ListenAddr = %q, err %v", c.ListenAddr, err)
		}
	})

	t.Run("EnvironmentWinsOverDefault", func(t *testing.T) {
		t.Parallel()
		c, err := parse(t, nil, map[string]string{
			"HALOBRIDGE_DATABASE_URL":     "postgres://db/x",
			"HALOBRIDGE_HALO_RATE_WINDOW": "1m",
		})
		if err != nil || c.DatabaseURL != "postgres://db/x" || c.HaloRateWindow != time.Minute {
			t.Fatalf("got %+v, err %v", c, err)
		}
		if c.ListenAddr != "127.0.0.1:8080" {
			t.Errorf("untouched default changed: %q", c.ListenAddr)
		}
	})

	t.Run("ReadsDedupHorizonAndRetentionFromTheEnvironment", func(t *testing.T) {
		t.Parallel()
		c, err := parse(t, []string{"--retention", "720h"}, map[string]string{
			"HALOBRIDGE_DEDUP_HORIZON": "6h",
			"HALOBRIDGE_RETENTION":     "48h",
		})
		if err != nil || c.DedupHorizon != 6*time.Hour || c.Retention != 720*time.Hour {
			t.Fatalf("DedupHorizon %s, Retention %s, err %v; want 6h from the environment and 720h from the flag", c.DedupHorizon, c.Retention, err)
		}
	})

	t.Run("DefaultsToADayOfHorizonAndNinetyDaysOfRetention", func(t *testing.T) {
		t.Parallel()
		c, err := parse(t, nil, nil)
		if err != nil || c.DedupHorizon != 24*time.Hour || c.Retention != 2160*time.Hour {
			t.Fatalf("DedupHorizon %s, Retention %s, err %v; want 24h and 2160h", c.DedupHorizon, c.Retention, err)
		}
	})

	t.Run("BoundsEventsPerPushAtTenThousandUnlessSet", func(t *testing.T) {
		t.Parallel()
		c, err := parse(t, nil, nil)
		if err != nil || c.MaxEventsPerPush != 10000 {
			t.Fatalf("MaxEventsPerPush %d, err %v; want 10000", c.MaxEventsPerPush, err)
		}
		c, err = parse(t, nil, map[string]string{"HALOBRIDGE_MAX_EVENTS_PER_PUSH": "500"})
		if err != nil || c.MaxEventsPerPush != 500 {
			t.Fatalf("MaxEventsPerPush %d, err %v; want 500 from the environment", c.MaxEventsPerPush, err)
		}
	})

	t.Run("BadValueNamesTheVariable", func(t *testing.T) {
		t.Parallel()
		_, err := parse(t, nil, map[string]string{"HALOBRIDGE_HALO_RATE_LIMIT": "many"})
		if err == nil || !strings.Contains(err.Error(), "HALOBRIDGE_HALO_RATE_LIMIT") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"DefaultsAreValid", func(*Config) {}, ""},
		{"PostgresURLIsAccepted", func(c *Config) { c.DatabaseURL = "postgres://u@h/db" }, ""},
		{"MySQLURLIsRejectedWithoutItsPassword", func(c *Config) { c.DatabaseURL = "mysql://u:hunter2@h/db" }, "postgres://"},
		{"ZeroRateLimitIsRejected", func(c *Config) { c.HaloRateLimit = 0 }, "--halo-rate-limit"},
		{"UnknownLogLevelIsRejected", func(c *Config) { c.LogLevel = "loud" }, "--log-level"},
		{"UnknownLogFormatIsRejected", func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{"TrustedProxiesTakeAddressesAndPrefixes", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, 192.0.2.7,::1" }, ""},
		{"TrustedProxiesRefuseAHostName", func(c *Config) { c.TrustedProxies = "10.0.0.0/8,proxy.internal" }, `--trusted-proxies: "proxy.internal"`},
		{"PrivateRangesAndLoopbackAreAccepted", func(c *Config) { c.AllowPrivateURLs = "10.20.0.0/16, loopback,192.168.1.7" }, ""},
		{"AHostNameIsRejectedAsAnAllowedRange", func(c *Config) { c.AllowPrivateURLs = "halo.internal" }, "--allow-private-urls: \"halo.internal\" is neither an address range"},
		{"ZeroDedupHorizonIsRejected", func(c *Config) { c.DedupHorizon = 0 }, "--dedup-horizon must be positive"},
		{"DedupHorizonOverTenYearsIsRejected", func(c *Config) { c.DedupHorizon = 87601 * time.Hour }, "--dedup-horizon"},
		{"RetentionUnderAnHourIsRejected", func(c *Config) { c.Retention = 59 * time.Minute }, "--retention must be at least 1h"},
		{"RetentionOverTenYearsIsRejected", func(c *Config) { c.Retention = 87601 * time.Hour }, "at most 87600h"},
		{"AWeekOfRetentionIsAccepted", func(c *Config) { c.Retention = 168 * time.Hour }, ""},
		{"NoEventsPerPushIsRejected", func(c *Config) { c.MaxEventsPerPush = 0 }, "--max-events-per-push must be from 1 to 1000000, got 0"},
		{"MoreEventsPerPushThanFitIsRejected", func(c *Config) { c.MaxEventsPerPush = 1_000_001 }, "--max-events-per-push must be from 1 to 1000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the database password: %v", err)
			}
		})
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	t.Parallel()
	c := Config{TrustedProxies: " 10.1.2.3/8 , 192.0.2.7, ::ffff:198.51.100.1 ,, 2001:db8::/32"}
	got, err := c.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "198.51.100.1/32", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestOutbound(t *testing.T) {
	t.Parallel()
	parse := func(t *testing.T, args []string, env map[string]string) Config {
		t.Helper()
		c := Default()
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		c.Outbound(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("DefaultsToPublicHTTPSOnly", func(t *testing.T) {
		t.Parallel()
		p := parse(t, nil, nil).OutboundPolicy()
		if p.Open() {
			t.Errorf("default policy %v, want nothing opened", p)
		}
	})

	t.Run("ReadsTheFlags", func(t *testing.T) {
		t.Parallel()
		p := parse(t, []string{"--allow-private-urls", "loopback,10.20.0.0/16", "--allow-http"}, nil).OutboundPolicy()
		if !p.HTTP || len(p.Allowed) != 3 || p.Allowed[2].String() != "10.20.0.0/16" {
			t.Errorf("policy %+v, want loopback (two ranges), 10.20.0.0/16 and http", p)
		}
	})

	t.Run("ReadsTheEnvironment", func(t *testing.T) {
		t.Parallel()
		p := parse(t, nil, map[string]string{"HALOBRIDGE_ALLOW_PRIVATE_URLS": "10.0.0.5", "HALOBRIDGE_ALLOW_HTTP": "true"}).OutboundPolicy()
		if !p.HTTP || len(p.Allowed) != 1 || p.Allowed[0].String() != "10.0.0.5/32" {
			t.Errorf("policy %+v, want 10.0.0.5/32 and http", p)
		}
	})
}

func TestPublicURL(t *testing.T) {
	t.Parallel()
	cases := map[Config]string{
		{ListenAddr: "127.0.0.1:8080"}:                        "http://127.0.0.1:8080",
		{ListenAddr: ":8080"}:                                 "http://localhost:8080",
		{ListenAddr: "0.0.0.0:9000"}:                          "http://localhost:9000",
		{ListenAddr: ":8080", BaseURL: "https://hb.example/"}: "https://hb.example",
	}
	for c, want := range cases {
		if got := c.PublicURL(); got != want {
			t.Errorf("PublicURL(%+v) = %q, want %q", c, got, want)
		}
	}
}
