package defensx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// DefaultAPIRoot is the Partner API of DefensX's cloud.
const DefaultAPIRoot = "https://cloud.defensx.com/api/partner/v1"

// maxResponse bounds one answer: a full page of 5000 URL-log rows is a few megabytes.
const maxResponse = 64 << 20

// Config says how to reach one partner's DefensX account.
type Config struct {
	// APIRoot is the Partner API base URL; "" means DefaultAPIRoot.
	APIRoot string
	// APIKey is the Partner API key from the API Keys page of the DefensX portal.
	APIKey string
	// Outbound is what the operator lets halobridge call; the zero Policy allows public
	// https addresses only. The API root, every request and every redirect are checked.
	Outbound outbound.Policy
	// HTTPClient sends the requests; nil means a client with a 60-second timeout that dials
	// through Outbound's guard. A given one's requests are checked against Outbound too.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CountFree makes Usage report every unit, free_quantity included; by default the
	// free units are subtracted (see Connector.Usage).
	CountFree bool
	// BlockLookback is how far back the first URL-block poll of a customer looks; 0 means
	// one hour. Later polls continue from their cursor.
	BlockLookback time.Duration
}

// Client calls the DefensX Partner API with a partner's API key. It is safe for concurrent use.
type Client struct {
	root      string
	key       string
	http      *http.Client
	now       func() time.Time
	countFree bool
	lookback  time.Duration
}

// New checks cfg and returns a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	root := strings.TrimRight(cfg.APIRoot, "/")
	if root == "" {
		root = DefaultAPIRoot
	}
	u, err := url.Parse(root)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("DefensX API root %q is not an http(s) URL such as %s", outbound.Excerpt(cfg.APIRoot), DefaultAPIRoot)
	}
	if err := cfg.Outbound.CheckURL(root); err != nil {
		return nil, fmt.Errorf("DefensX API root: %w", err)
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("DefensX Partner API key is empty: create one on the API Keys page of the DefensX portal")
	}
	c := &Client{
		root:      root,
		key:       strings.TrimSpace(cfg.APIKey),
		http:      cfg.Outbound.Guard(cfg.HTTPClient, 60*time.Second),
		now:       cfg.Now,
		countFree: cfg.CountFree,
		lookback:  cfg.BlockLookback,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.lookback <= 0 {
		c.lookback = time.Hour
	}
	return c, nil
}

// get sends GET root+path?query and decodes a 200 answer into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	target := c.root + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("build DefensX request GET %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return outbound.Unanswered("The DefensX API root", c.root, apiRootFix, fmt.Errorf("DefensX GET %s: %w", path, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return outbound.Unanswered("The DefensX API root", c.root, apiRootFix, fmt.Errorf("read DefensX answer to GET %s: %w", path, err))
	}
	if resp.StatusCode != http.StatusOK {
		dxErr := newError(http.MethodGet, path, resp, body, c.key)
		if notDefensX(resp.StatusCode, body) {
			return c.notDefensX(path, resp.StatusCode, outbound.Said(resp.StatusCode, body, c.key), dxErr)
		}
		return dxErr
	}
	if outbound.IsWebPage(body) {
		return c.notDefensX(path, resp.StatusCode, "a web page, not JSON", nil)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("DefensX answered GET %s with JSON halobridge cannot read: %w", path, err)
	}
	return nil
}

// apiRootFix is what to do when the API root did not answer, or not as DefensX.
const apiRootFix = "Check the DefensX API root: leave it empty to use DefensX's cloud (" + DefaultAPIRoot + ")."

// notDefensX reports whether an error answer came from something else than the Partner API:
// a 404 without DefensX's error JSON (DefensX names the record it lacks), a 501, or a web page. A
// 5xx web page may be a proxy in front of a DefensX that is down, and says nothing about the
// address.
func notDefensX(status int, body []byte) bool {
	if status == http.StatusNotFound {
		var shape struct {
			Error *struct{} `json:"error"`
		}
		return json.Unmarshal(body, &shape) != nil || shape.Error == nil
	}
	return status == http.StatusNotImplemented || status < 500 && outbound.IsWebPage(body)
}

// notDefensX is an answer at path that says the API root is not DefensX's.
func (c *Client) notDefensX(path string, status int, said string, err error) error {
	return &outbound.NotServiceError{URL: c.root, Service: "the DefensX Partner API", Path: path, Status: status, Said: said, Fix: apiRootFix, Err: err}
}
