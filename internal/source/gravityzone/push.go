package gravityzone

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Push service types GravityZone can deliver in; ParsePush reads all three.
const (
	ServiceJSONRPC = "jsonRPC"
	ServiceSplunk  = "splunk"
	ServiceQRadar  = "qradar"
)

// PushSettings is the Event Push Service configuration of push.setPushEventSettings and
// push.getPushEventSettings.
type PushSettings struct {
	// Status is 1 when pushing is on, 0 when off (GravityZone also turns it off by itself
	// after more than 100 failed deliveries).
	Status          int                 `json:"status"`
	ServiceType     string              `json:"serviceType"`
	ServiceSettings PushServiceSettings `json:"serviceSettings"`
	// SubscribeToEventTypes maps an event type (a module name) to whether it is pushed.
	SubscribeToEventTypes map[string]bool `json:"subscribeToEventTypes"`
	// SubscribeToCompanies limits pushing to these companies; nil means every managed one.
	SubscribeToCompanies []string `json:"subscribeToCompanies,omitempty"`
}

// PushServiceSettings says where GravityZone pushes.
type PushServiceSettings struct {
	URL string `json:"url"`
	// Authorization is sent verbatim as the Authorization header of every push; GravityZone
	// masks it as "********" when read back.
	Authorization              string `json:"authorization,omitempty"`
	RequireValidSSLCertificate bool   `json:"requireValidSslCertificate"`
}

// PushStats is push.getPushEventStats' answer. GravityZone counts messages (POSTs, each
// carrying one or more events) separately from events.
type PushStats struct {
	Count struct {
		Events        int `json:"events"`
		TestEvents    int `json:"testEvents"`
		SentMessages  int `json:"sentMessages"`
		ErrorMessages int `json:"errorMessages"`
	} `json:"count"`
	Error struct {
		ConfigurationError int `json:"configurationError"`
		ConnectionError    int `json:"connectionError"`
		ServiceError       int `json:"serviceError"`
		StatusCode2xx      int `json:"statusCode2xx"`
		StatusCode300      int `json:"statusCode300"`
		StatusCode400      int `json:"statusCode400"`
		StatusCode500      int `json:"statusCode500"`
		Timeout            int `json:"timeout"`
	} `json:"error"`
	// LastUpdateTime is a naive UTC time, e.g. 2023-01-13T16:26:34.
	LastUpdateTime string `json:"lastUpdateTime"`
}

// SetPushEventSettings replaces the Event Push Service configuration.
func (c *Client) SetPushEventSettings(ctx context.Context, s PushSettings) error {
	var ok bool
	if err := c.Call(ctx, "push", "setPushEventSettings", s, &ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("GravityZone push.setPushEventSettings did not answer true")
	}
	return nil
}

// GetPushEventSettings reads the Event Push Service configuration (authorization masked).
func (c *Client) GetPushEventSettings(ctx context.Context) (PushSettings, error) {
	var s PushSettings
	if err := c.Call(ctx, "push", "getPushEventSettings", nil, &s); err != nil {
		return PushSettings{}, err
	}
	return s, nil
}

// SendTestPushEvent asks GravityZone to push a test event of eventType, with data overriding
// fields of its template event; the answer describes the event sent.
func (c *Client) SendTestPushEvent(ctx context.Context, eventType string, data map[string]any) (json.RawMessage, error) {
	params := map[string]any{"eventType": eventType}
	if len(data) > 0 {
		params["data"] = data
	}
	var sent json.RawMessage
	if err := c.Call(ctx, "push", "sendTestPushEvent", params, &sent); err != nil {
		return nil, err
	}
	return sent, nil
}

// GetPushEventStats reads the Event Push Service counters.
func (c *Client) GetPushEventStats(ctx context.Context) (PushStats, error) {
	var s PushStats
	if err := c.Call(ctx, "push", "getPushEventStats", nil, &s); err != nil {
		return PushStats{}, err
	}
	return s, nil
}

// PushSignatureHeader carries md5(apiKey + md5(body)) on every push.
const PushSignatureHeader = "Event-Push-Service-Md5"

// VerifyPushSignature reports whether header's Event-Push-Service-Md5 proves that body was
// pushed for apiKey.
func VerifyPushSignature(header http.Header, body []byte, apiKey string) bool {
	got := strings.ToLower(strings.TrimSpace(header.Get(PushSignatureHeader)))
	want := pushSignature(apiKey, body)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func pushSignature(apiKey string, body []byte) string {
	inner := md5.Sum(body)
	outer := md5.Sum([]byte(apiKey + hex.EncodeToString(inner[:])))
	return hex.EncodeToString(outer[:])
}
