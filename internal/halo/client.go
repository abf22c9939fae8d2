package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"golang.org/x/oauth2"

	"halobridge/internal/outbound"
)

// Client talks to one partner's HaloPSA. It is safe for concurrent use.
type Client struct {
	cfg  Config
	link *link
	auth *tokenCache
}

// maxBody bounds one answer; a page of 1000 full client records stays far below it.
const maxBody = 64 << 20

// New checks cfg and returns a client; it does not contact Halo.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	l := newLink(cfg)
	c := &Client{cfg: cfg, link: l}
	switch cfg.GrantType {
	case GrantAuthorizationCode:
		if cfg.Tokens == nil {
			return nil, errors.New("halo config: a token store is required for the authorization code grant")
		}
		c.auth = &tokenCache{fetch: l.refreshFromStore(), result: cfg.TokenResult}
	default:
		c.auth = &tokenCache{fetch: l.clientCredentials(), result: cfg.TokenResult}
	}
	return c, nil
}

// request is one logical API call, sent once or more.
type request struct {
	method string
	// template is the path with {id} placeholders, relative to the resource server, e.g.
	// "/Tickets/{id}"; path is the same with values, e.g. "/Tickets/12".
	template string
	path     string
	query    url.Values
	body     any
}

func (r request) idempotent() bool { return r.method == http.MethodGet }

// do sends r with retries and returns the body of the successful answer.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	var payload []byte
	if r.body != nil {
		// Notes are HTML: sent unescaped, as Halo itself writes them.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.body); err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", r.method, r.template, err)
		}
		payload = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	return withRetries(ctx, c.link, func() ([]byte, verdict, error) {
		return c.attempt(ctx, r, payload)
	})
}

// attempt sends r once, or twice when Halo refused the cached access token: it may have
// been revoked or expired early, and a fresh one settles that.
func (c *Client) attempt(ctx context.Context, r request, payload []byte) ([]byte, verdict, error) {
	renewed := false
	for {
		tok, v, err := c.auth.token(ctx)
		if err != nil {
			return nil, v, err
		}
		body, status, v, err := c.send(ctx, r, payload, tok)
		if status == http.StatusUnauthorized && !renewed {
			c.auth.invalidate(tok)
			renewed = true
			continue
		}
		if status == http.StatusForbidden {
			// A token carries the permissions it was issued with. Forgetting it
			// lets a permission granted in Halo since count from the next call,
			// instead of from the token's expiry up to an hour later.
			c.auth.invalidate(tok)
		}
		return body, v, err
	}
}

func (c *Client) send(ctx context.Context, r request, payload []byte, tok *oauth2.Token) ([]byte, int, verdict, error) {
	if err := c.link.wait(ctx); err != nil {
		return nil, 0, final, err
	}
	target := c.cfg.ResourceURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	ctx, sent := traceSent(withTemplate(ctx, "/api"+r.template))
	req, err := http.NewRequestWithContext(ctx, r.method, target, bytes.NewReader(payload))
	if err != nil {
		return nil, 0, final, fmt.Errorf("build %s %s: %w", r.method, r.template, err)
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.link.http.Do(req)
	if err != nil {
		return nil, 0, transportVerdict(ctx, err, r.idempotent(), sent()), noAnswer(target, fmt.Errorf("%s %s: %w", r.method, r.template, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, 0, transportVerdict(ctx, err, r.idempotent(), true), noAnswer(target, fmt.Errorf("read answer of %s %s: %w", r.method, r.template, err))
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && outbound.IsWebPage(body):
		// A sign-in page or a web server where HaloPSA's API should be.
		return nil, resp.StatusCode, final, notHalo(target, resp.StatusCode, "a web page, not JSON", nil)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return body, resp.StatusCode, final, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, resp.StatusCode, retrySafe, &RateLimitError{RetryAfter: retryAfter(resp.Header)}
	default:
		return nil, resp.StatusCode, statusVerdict(resp.StatusCode, r.idempotent()),
			newAPIError(r.method, "/api"+r.path, resp.StatusCode, body)
	}
}

// getJSON reads one record (or any JSON document) into out.
func (c *Client) getJSON(ctx context.Context, template, path string, query url.Values, out any) error {
	body, err := c.do(ctx, request{method: http.MethodGet, template: template, path: path, query: query})
	if err != nil {
		return err
	}
	if err := decodeLenient(body, out); err != nil {
		return fmt.Errorf("decode GET %s: %w", template, err)
	}
	return nil
}

// post writes records with Halo's one verb: a JSON array where no id creates and an id
// updates. Halo answers one saved record as an object and several as an array.
func post[T any](ctx context.Context, c *Client, template string, records []T) ([]T, error) {
	body, err := c.do(ctx, request{method: http.MethodPost, template: template, path: template, body: records})
	if err != nil {
		return nil, err
	}
	saved, err := decodeOneOrMany[T](body)
	if err != nil {
		return nil, fmt.Errorf("decode answer of POST %s: %w", template, err)
	}
	return saved, nil
}

// postOne writes one record and returns what Halo saved.
func postOne[T any](ctx context.Context, c *Client, template string, record T) (T, error) {
	saved, err := post(ctx, c, template, []T{record})
	var zero T
	if err != nil {
		return zero, err
	}
	if len(saved) == 0 {
		return zero, fmt.Errorf("POST %s: HaloPSA answered without the saved record", template)
	}
	return saved[0], nil
}

func decodeOneOrMany[T any](body []byte) ([]T, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if trimmed[0] == '[' {
		var many []T
		err := decodeLenient(trimmed, &many)
		return many, err
	}
	var one T
	if err := decodeLenient(trimmed, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

func idPath(entity string, id int) string {
	return "/" + entity + "/" + strconv.Itoa(id)
}

// mustCreate refuses a create call for a record that has an id: Halo would update that record
// instead.
func mustCreate(what string, id int) error {
	if id != 0 {
		return fmt.Errorf("create %s: id %d is set, which would update that %s instead", what, id, what)
	}
	return nil
}
