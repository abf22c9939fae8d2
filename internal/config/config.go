// Package config holds halobridge's runtime settings: one struct, filled from
// command-line flags and HALOBRIDGE_* environment variables, passed down to
// every part that needs it. Nothing here is global.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
)

// Config is every setting a halobridge process runs with.
type Config struct {
	// DataDir holds the embedded SQLite database and the generated secret key file.
	DataDir string
	// DatabaseURL selects PostgreSQL ("postgres://...") instead of the embedded SQLite file.
	DatabaseURL string
	// ListenAddr is the address the HTTP server listens on.
	ListenAddr string
	// BaseURL is the public URL people and webhooks reach this server at.
	BaseURL string
	// SecretKey is the base64 AES-256 key (optionally "current,old1,old2") that seals credentials;
	// empty means a key file under DataDir, generated on first start.
	SecretKey string
	// LogLevel is debug, info, warn or error; LogFormat is json or text.
	LogLevel  string
	LogFormat string
	// HaloRateLimit requests per HaloRateWindow are allowed per HaloPSA tenant.
	HaloRateLimit  int
	HaloRateWindow time.Duration
	// TrustedProxies lists the reverse proxies (CIDR ranges, addresses or
	// the word loopback, comma-separated) whose X-Forwarded-For names the
	// client's address.
	TrustedProxies string
	// ShutdownTimeout bounds how long in-flight requests may finish after SIGTERM.
	ShutdownTimeout time.Duration
	// CatalogSyncInterval is how often each partner's catalogs are synced.
	CatalogSyncInterval time.Duration
	// AllowPrivateURLs opens address ranges that are not public to the
	// addresses people give halobridge (HaloPSA, GravityZone, DefensX): a
	// comma-separated list of CIDR ranges, addresses or the word loopback.
	AllowPrivateURLs string
	// AllowHTTP lets those addresses use plain http.
	AllowHTTP bool
	// DedupHorizon is how long after an event without a time of its own
	// arrived the same content is taken for a redelivery; after it, it is a
	// new alert.
	DedupHorizon time.Duration
	// Retention is how long alerts and resolutions are kept after they
	// arrived, once delivery is done with them.
	Retention time.Duration
	// MaxEventsPerPush is the most events one push to /ingest/{token} may
	// carry; a push of more is refused with 413 before its events are read.
	MaxEventsPerPush int
}

// Default returns the settings used when neither a flag nor the environment says otherwise.
func Default() Config {
	return Config{
		DataDir:             "data",
		ListenAddr:          "127.0.0.1:8080",
		LogLevel:            "info",
		LogFormat:           "json",
		HaloRateLimit:       300,
		HaloRateWindow:      5 * time.Minute,
		ShutdownTimeout:     20 * time.Second,
		CatalogSyncInterval: time.Hour,
		DedupHorizon:        24 * time.Hour,
		Retention:           90 * 24 * time.Hour,
		MaxEventsPerPush:    source.DefaultMaxEvents,
	}
}

// maxKeep bounds --retention and --dedup-horizon: ten years.
const maxKeep = 10 * 365 * 24 * time.Hour

// maxEventsPerPush bounds --max-events-per-push: a push of that many of the
// smallest events fills the 10 MiB a push may be.
const maxEventsPerPush = 1_000_000

// EnvPrefix starts the name of every environment variable halobridge reads.
const EnvPrefix = "HALOBRIDGE_"

// EnvName is the environment variable that backs a flag: --database-url is HALOBRIDGE_DATABASE_URL.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Storage registers the flags that choose and locate the database and the secret key.
func (c *Config) Storage(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the embedded SQLite database and the generated secret key file")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://user@host:5432/db); empty uses the embedded SQLite file in --data-dir")
	fs.StringVar(&c.SecretKey, "secret-key", c.SecretKey, "base64 32-byte key sealing stored credentials, optionally followed by old keys: new,old1,old2 (prefer the environment variable)")
}

// Logging registers the log flags.
func (c *Config) Logging(fs *flag.FlagSet) {
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or text")
}

// Address registers the flags that say where this server is reached: the
// address it listens on and its public URL, where security platforms push.
// Commands that register or check a platform's push need them as the
// server has them.
func (c *Config) Address(fs *flag.FlagSet) {
	fs.StringVar(&c.ListenAddr, "listen", c.ListenAddr, "address the HTTP server listens on")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of this server (default http://<listen>)")
}

// Server registers the HTTP server flags.
func (c *Config) Server(fs *flag.FlagSet) {
	c.Address(fs)
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may finish after SIGTERM")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies in front of halobridge whose X-Forwarded-For names the client (CIDR ranges, addresses or the word loopback, comma-separated); sign-in limits count per client address")
	fs.DurationVar(&c.CatalogSyncInterval, "catalog-sync-interval", c.CatalogSyncInterval, "how often each partner's HaloPSA and source catalogs are synced")
	fs.DurationVar(&c.DedupHorizon, "dedup-horizon", c.DedupHorizon, "how long the same content of a pushed event without a time of its own (GravityZone uninstall, install, sva-load…) counts as a redelivery; after it, it is a new alert")
	fs.DurationVar(&c.Retention, "retention", c.Retention, "how long alerts and resolutions are kept after they arrived, once delivery is done with them; older ones are pruned every hour")
	fs.IntVar(&c.MaxEventsPerPush, "max-events-per-push", c.MaxEventsPerPush, "the most events one GravityZone or DefensX push may carry; a push of more is refused with 413 before its events are read (GravityZone's batches are far smaller)")
}

// Halo registers the flags that shape every HaloPSA connection.
func (c *Config) Halo(fs *flag.FlagSet) {
	fs.IntVar(&c.HaloRateLimit, "halo-rate-limit", c.HaloRateLimit, "HaloPSA requests allowed per tenant in each rate window (hosted Halo allows 300 per 5 minutes)")
	fs.DurationVar(&c.HaloRateWindow, "halo-rate-window", c.HaloRateWindow, "length of the rolling HaloPSA rate window")
}

// Outbound registers the flags that open the outbound URL guard: which
// addresses halobridge may call when a person gives it one.
func (c *Config) Outbound(fs *flag.FlagSet) {
	fs.StringVar(&c.AllowPrivateURLs, "allow-private-urls", c.AllowPrivateURLs,
		"address ranges that are not public (e.g. an on-premises HaloPSA) which HaloPSA, GravityZone and DefensX URLs may point at: comma-separated CIDR ranges, addresses or the word loopback; by default only public addresses are called")
	fs.BoolVar(&c.AllowHTTP, "allow-http", c.AllowHTTP, "let HaloPSA, GravityZone and DefensX URLs use plain http (credentials then cross the network unencrypted); by default only https")
}

// OutboundPolicy is what the outbound URL guard lets through; Validate
// reports a list it cannot read.
func (c Config) OutboundPolicy() outbound.Policy {
	allowed, _ := outbound.ParseAllowed(c.AllowPrivateURLs)
	return outbound.Policy{Allowed: allowed, HTTP: c.AllowHTTP}
}

// ApplyEnv sets every flag that was not given on the command line from its
// HALOBRIDGE_* environment variable, so flags win over the environment and the
// environment over defaults.
func ApplyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		v := getenv(EnvName(f.Name))
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", EnvName(f.Name), v, err))
		}
	})
	return errors.Join(errs...)
}

// Validate reports settings that cannot work, in words that say how to fix them.
func (c *Config) Validate() error {
	var errs []error
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.HasPrefix(c.DatabaseURL, "sqlite://") {
		errs = append(errs, fmt.Errorf("--database-url must start with postgres:// (or sqlite://), got %q", redactURL(c.DatabaseURL)))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty when no --database-url is given"))
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("--log-format must be json or text, got %q", c.LogFormat))
	}
	if c.HaloRateLimit <= 0 {
		errs = append(errs, fmt.Errorf("--halo-rate-limit must be at least 1, got %d", c.HaloRateLimit))
	}
	if c.HaloRateWindow <= 0 {
		errs = append(errs, fmt.Errorf("--halo-rate-window must be positive, got %s", c.HaloRateWindow))
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if _, err := outbound.ParseAllowed(c.AllowPrivateURLs); err != nil {
		errs = append(errs, fmt.Errorf("--allow-private-urls: %w", err))
	}
	if c.DedupHorizon <= 0 || c.DedupHorizon > maxKeep {
		errs = append(errs, fmt.Errorf("--dedup-horizon must be positive and at most %s, got %s", maxKeep, c.DedupHorizon))
	}
	if c.Retention < time.Hour || c.Retention > maxKeep {
		errs = append(errs, fmt.Errorf("--retention must be at least 1h and at most %s, got %s", maxKeep, c.Retention))
	}
	if c.MaxEventsPerPush < 1 || c.MaxEventsPerPush > maxEventsPerPush {
		errs = append(errs, fmt.Errorf("--max-events-per-push must be from 1 to %d, got %d", maxEventsPerPush, c.MaxEventsPerPush))
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes reads TrustedProxies as --allow-private-urls is
// read: "10.0.0.0/8, 192.0.2.7" or "loopback".
func (c *Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	p, err := outbound.ParseAllowed(c.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	return p, nil
}

// KeyFile is where the generated secret key lives when no key is configured.
func (c *Config) KeyFile() string { return filepath.Join(c.DataDir, "secret.key") }

// PublicURL is BaseURL, or the listen address as a URL when BaseURL is unset.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(c.ListenAddr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		// Listening on every interface: name this machine as people reach it locally.
		host = "localhost"
	}
	if err != nil {
		return "http://" + c.ListenAddr
	}
	return "http://" + net.JoinHostPort(host, port)
}

// ParseLevel turns a --log-level value into a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// Logger builds the process logger from LogLevel and LogFormat.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	level, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// redactURL hides a password in a database URL before it is shown to anyone.
func redactURL(s string) string {
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return s
	}
	userinfo := s[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return s[:scheme+3] + userinfo[:i] + ":xxxxx" + s[at:]
	}
	return s
}
