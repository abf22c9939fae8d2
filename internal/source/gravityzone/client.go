package gravityzone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"halobridge/internal/outbound"
)

const (
	// DefaultRatePerSecond is GravityZone's documented budget: "maximum 10 requests per
	// second per API key".
	DefaultRatePerSecond = 10
	defaultMaxRateWait   = 30 * time.Second
	defaultTimeout       = 60 * time.Second
	// maxRateRetries bounds how often one call is sent again after a 429.
	maxRateRetries = 3
	// maxAnswer bounds what one answer may weigh; usage and incident pages are far smaller.
	maxAnswer = 32 << 20
)

// Config describes one GravityZone API key and where it works.
type Config struct {
	// AccessURL is the Control Center API base of the partner's cloud instance, e.g.
	// https://cloud.gravityzone.bitdefender.com/api (US), https://cloudgz.gravityzone.bitdefender.com/api
	// (EU) or https://cloudap.gravityzone.bitdefender.com/api (APAC). A key works only on the
	// instance that issued it.
	AccessURL string
	// APIKey is sent as the Basic user name with an empty password.
	APIKey string
	// Outbound is what the operator lets halobridge call; the zero Policy allows public
	// https addresses only. The access URL, every request and every redirect are checked.
	Outbound outbound.Policy
	// HTTPClient defaults to a client with a 60 s timeout that dials through Outbound's
	// guard; a given one's requests are checked against Outbound too.
	HTTPClient *http.Client
	// RatePerSecond is this client's request budget; 0 means DefaultRatePerSecond. The
	// budget belongs to the key, so build one Client per key and share it.
	RatePerSecond float64
	// MaxRateWait is how long a call may wait for the Retry-After of a 429 before failing
	// with a rate-limited *Error (a durable job then snoozes); 0 means 30 s, negative means
	// fail at the first 429.
	MaxRateWait time.Duration
}

// Client calls the GravityZone Public API (JSON-RPC 2.0). It is safe for concurrent use.
type Client struct {
	base    string
	key     string
	http    *http.Client
	limiter *rate.Limiter
	maxWait time.Duration
	ids     atomic.Int64

	mu          sync.Mutex
	pausedUntil time.Time
}

// New checks cfg and returns a client for it.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.AccessURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GravityZone access URL %q is not an http(s) URL: copy it from Control Center > My Account > Control Center API", outbound.Excerpt(cfg.AccessURL))
	}
	if err := cfg.Outbound.CheckURL(u.String()); err != nil {
		return nil, fmt.Errorf("GravityZone access URL: %w", err)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("GravityZone API key is empty: create one in Control Center > My Account > API keys")
	}
	hc := cfg.Outbound.Guard(cfg.HTTPClient, defaultTimeout)
	perSecond := cfg.RatePerSecond
	if perSecond <= 0 {
		perSecond = DefaultRatePerSecond
	}
	maxWait := cfg.MaxRateWait
	switch {
	case maxWait == 0:
		maxWait = defaultMaxRateWait
	case maxWait < 0:
		maxWait = 0
	}
	return &Client{
		base: strings.TrimRight(u.String(), "/"),
		key:  cfg.APIKey,
		http: hc,
		// A burst of one spaces requests evenly, so that no one-second window GravityZone
		// may count ever holds more than the budget.
		limiter: rate.NewLimiter(rate.Limit(perSecond), 1),
		maxWait: maxWait,
	}, nil
}

// methodVersions lists the methods that live under an API version other than v1.0.
var methodVersions = map[string]string{
	"getEndpointsList":         "v1.1",
	"getNetworkInventoryItems": "v1.1",
	"getIncidentsList":         "v1.2",
	"updateIncidentNote":       "v1.1",
}

func versionOf(method string) string {
	if v, ok := methodVersions[method]; ok {
		return v
	}
	return "v1.0"
}

// Call invokes service.method (e.g. "network", "getCompaniesList") with params (nil sends
// {}) and decodes the result into result (nil ignores it). The API version comes from the
// method. Failures GravityZone reports are *Error.
func (c *Client) Call(ctx context.Context, service, method string, params, result any) error {
	for attempt := 0; ; attempt++ {
		if err := c.wait(ctx, service, method); err != nil {
			return err
		}
		err := c.send(ctx, service, method, params, result)
		var gzErr *Error
		if !errors.As(err, &gzErr) || gzErr.HTTPStatus != http.StatusTooManyRequests || attempt == maxRateRetries {
			return err
		}
		c.pause(gzErr.RetryAfter)
		if gzErr.RetryAfter > c.maxWait {
			return err
		}
	}
}

// wait spends one request of the budget, after any pause a 429 asked for.
func (c *Client) wait(ctx context.Context, service, method string) error {
	c.mu.Lock()
	paused := time.Until(c.pausedUntil)
	c.mu.Unlock()
	if paused > 0 {
		if paused > c.maxWait {
			return &Error{Service: service, Method: method, HTTPStatus: http.StatusTooManyRequests, RetryAfter: paused}
		}
		timer := time.NewTimer(paused)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("wait for the GravityZone request budget before %s.%s: %w", service, method, err)
	}
	return nil
}

func (c *Client) pause(d time.Duration) {
	if d <= 0 {
		d = time.Second
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if until := time.Now().Add(d); until.After(c.pausedUntil) {
		c.pausedUntil = until
	}
}

type rpcRequest struct {
	ID      int64  `json:"id"`
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

type rpcAnswer struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Details string `json:"details"`
	} `json:"data"`
}

// send makes one HTTP round trip.
func (c *Client) send(ctx context.Context, service, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(rpcRequest{ID: c.ids.Add(1), JSONRPC: "2.0", Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("encode GravityZone %s.%s request: %w", service, method, err)
	}
	endpoint := c.base + "/" + versionOf(method) + "/jsonrpc/" + service
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build GravityZone %s.%s request: %w", service, method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.key, "")
	resp, err := c.http.Do(req)
	if err != nil {
		return outbound.Unanswered("The GravityZone access URL", c.base, accessURLFix, fmt.Errorf("GravityZone %s.%s: %w", service, method, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return outbound.Unanswered("The GravityZone access URL", c.base, accessURLFix, fmt.Errorf("read GravityZone %s.%s answer: %w", service, method, err))
	}
	var answer rpcAnswer
	decodeErr := json.Unmarshal(raw, &answer)
	if resp.StatusCode != http.StatusOK {
		gzErr := newHTTPError(service, method, resp, answer.Error, raw, c.key)
		if answer.Error == nil && notGravityZone(resp.StatusCode, raw) {
			return c.notGravityZone(endpoint, resp.StatusCode, outbound.Said(resp.StatusCode, raw, secretForms(c.key)...), gzErr)
		}
		return gzErr
	}
	if decodeErr != nil {
		return c.notGravityZone(endpoint, resp.StatusCode, unexpected(raw, c.key)+", not JSON-RPC", nil)
	}
	if answer.Error != nil {
		return rpcFailure(service, method, http.StatusOK, answer.Error, c.key)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(answer.Result, result); err != nil {
		return fmt.Errorf("decode GravityZone %s.%s result: %w", service, method, err)
	}
	return nil
}

// accessURLFix is what to do when the access URL did not answer, or not as GravityZone.
const accessURLFix = "Check the access URL: copy it from GravityZone, Control Center > My Account > Control Center API (e.g. https://cloudgz.gravityzone.bitdefender.com/api)."

// notGravityZone reports whether an answer without a JSON-RPC error came from something else
// than GravityZone's API: a 404 on a service every instance has, a 501, or a web page. A 5xx web
// page may be a proxy in front of a GravityZone that is down, and says nothing about the URL.
func notGravityZone(status int, raw []byte) bool {
	return status == http.StatusNotFound || status == http.StatusNotImplemented || status < 500 && outbound.IsWebPage(raw)
}

// notGravityZone is an answer at endpoint that says the access URL is not GravityZone's.
func (c *Client) notGravityZone(endpoint string, status int, said string, err error) error {
	return &outbound.NotServiceError{URL: c.base, Service: "a GravityZone access URL", Path: strings.TrimPrefix(endpoint, c.base),
		Status: status, Said: said, Fix: accessURLFix, Err: err}
}

// unexpected says what an answer that is not JSON-RPC was, quoting no more
// than a short reason of it.
func unexpected(raw []byte, key string) string {
	text := strings.TrimSpace(string(raw))
	switch {
	case text == "":
		return "nothing"
	case strings.HasPrefix(text, "<"):
		return "a web page"
	}
	return fmt.Sprintf("%q", outbound.Excerpt(text, secretForms(key)...))
}
