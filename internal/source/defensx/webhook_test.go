package defensx_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
)

// The KB samples of API.md §3, with the full UUIDs of DefensX's knowledge base.
const (
	kbUserRequest = `{
    "event": "UserRequest.Create",
    "time": 1677241081,
    "payload": {
        "type": "UserRequest",
        "id": 1650,
        "user_id": "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63",
        "customer_id": "c062a202-e090-4e57-ba88-d74dfd2e3455",
        "report_type": "url_block",
        "hostname": "monster.com",
        "url": "https:\/\/monster.com\/",
        "reason": "Incorrect Risk Rating"
    }
}`
	kbAgentCreate = `{
    "event": "Agent.Create",
    "time": 1677237885,
    "payload": {
        "type": "Agent",
        "id": "fdceb72a-c274-4844-8b74-a0c74a8018e5",
        "deployment_id": "bef7a5bd-a653-46b8-b95c-a59dcedcbafe",
        "customer_id": "c062a202-e090-4e57-ba88-d74dfd2e3455",
        "platform": "Windows",
        "product": "Windows 10 Pro",
        "hostname": "WIN10-4",
        "version": "1.8.78"
    }
}`
)

// ignoreIDs leaves EventID and Raw to the tests that are about them.
var ignoreIDs = cmpopts.IgnoreFields(source.Alert{}, "EventID", "Raw")

func TestParseWebhook(t *testing.T) {
	t.Parallel()

	t.Run("TurnsTheKBUserRequestIntoAnAlert", func(t *testing.T) {
		t.Parallel()
		in, agents, err := defensx.ParseWebhook(nil, []byte(kbUserRequest))
		if err != nil {
			t.Fatal(err)
		}
		want := source.Alert{
			Source:     source.DefensX,
			CustomerID: "c062a202-e090-4e57-ba88-d74dfd2e3455",
			Type:       "user_request",
			Severity:   source.SeverityLow,
			HostName:   "monster.com",
			User:       "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63",
			URL:        "https://monster.com/",
			Facts: map[string]string{
				"request_id":        "1650",
				"report_type":       "url_block",
				"report_type_label": "URL Block",
				"hostname":          "monster.com",
				"url":               "https://monster.com/",
				"user_id":           "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63",
				"user":              "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63",
				"reason":            "Incorrect Risk Rating",
				"object_type":       "UserRequest",
			},
			OccurredAt:  time.Date(2023, time.February, 24, 12, 18, 1, 0, time.UTC),
			Fingerprint: "defensx:c062a202-e090-4e57-ba88-d74dfd2e3455:user_request:1650",
		}
		if len(agents) != 0 || len(in.Resolutions) != 0 || len(in.Alerts) != 1 {
			t.Fatalf("got %d alerts, %d resolutions, %d agent events", len(in.Alerts), len(in.Resolutions), len(agents))
		}
		if diff := cmp.Diff(want, in.Alerts[0], ignoreIDs); diff != "" {
			t.Fatalf("alert (-want +got):\n%s", diff)
		}
		if !json.Valid(in.Alerts[0].Raw) || !strings.HasPrefix(in.Alerts[0].EventID, "defensx:") {
			t.Fatalf("raw %s, event id %q", in.Alerts[0].Raw, in.Alerts[0].EventID)
		}
	})
	t.Run("PrefersALoginForTheUser", func(t *testing.T) {
		t.Parallel()
		body := `{"event":"UserRequest.Create","time":1677241081,"payload":{"id":"77","user_id":"u-1","login":"anna@bright.example","customer_id":"c1","report_type":"user_feedback","hostname":"x.example"}}`
		in, _, err := defensx.ParseWebhook(nil, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		a := in.Alerts[0]
		if a.User != "anna@bright.example" || a.Facts["user_id"] != "u-1" || a.Facts["report_type_label"] != "User Feedback" || a.Fingerprint != "defensx:c1:user_request:77" {
			t.Fatalf("alert = %+v", a)
		}
	})
	t.Run("ReturnsAgentEventsApart", func(t *testing.T) {
		t.Parallel()
		in, agents, err := defensx.ParseWebhook(nil, []byte(kbAgentCreate))
		if err != nil {
			t.Fatal(err)
		}
		want := []defensx.AgentEvent{{
			Event: "Agent.Create", AgentID: "fdceb72a-c274-4844-8b74-a0c74a8018e5", DeploymentID: "bef7a5bd-a653-46b8-b95c-a59dcedcbafe",
			CustomerID: "c062a202-e090-4e57-ba88-d74dfd2e3455", Hostname: "WIN10-4", Platform: "Windows", Product: "Windows 10 Pro",
			Version: "1.8.78", Time: time.Date(2023, time.February, 24, 11, 24, 45, 0, time.UTC),
		}}
		if len(in.Alerts) != 0 {
			t.Fatalf("agent event became alerts: %+v", in.Alerts)
		}
		if diff := cmp.Diff(want, agents, cmpopts.IgnoreFields(defensx.AgentEvent{}, "EventID", "Raw")); diff != "" {
			t.Fatalf("agent events (-want +got):\n%s", diff)
		}
	})
	t.Run("ReadsEveryAgentEvent", func(t *testing.T) {
		t.Parallel()
		for _, ev := range []string{"Agent.Uninstall", "Agent.Reinstall", "Agent.Delete"} {
			body := strings.Replace(kbAgentCreate, "Agent.Create", ev, 1)
			_, agents, err := defensx.ParseWebhook(nil, []byte(body))
			if err != nil || len(agents) != 1 || agents[0].Event != ev {
				t.Errorf("%s: agents %+v, err %v", ev, agents, err)
			}
		}
	})
	t.Run("KeepsAnUnknownEventAsAnAlert", func(t *testing.T) {
		t.Parallel()
		body := `{"event":"Consent.Create","time":1700000000,"payload":{"type":"Consent","id":9,"customer_id":"c1","hostname":"files.example","nested":{"a":1}}}`
		in, agents, err := defensx.ParseWebhook(nil, []byte(body))
		if err != nil || len(agents) != 0 || len(in.Alerts) != 1 {
			t.Fatalf("alerts %+v, agents %+v, err %v", in.Alerts, agents, err)
		}
		want := source.Alert{
			Source: source.DefensX, CustomerID: "c1", Type: "unknown:Consent.Create", Severity: source.SeverityInfo,
			HostName:   "files.example",
			Facts:      map[string]string{"event": "Consent.Create", "type": "Consent", "id": "9", "customer_id": "c1", "hostname": "files.example"},
			OccurredAt: time.Unix(1700000000, 0).UTC(),
		}
		got := in.Alerts[0]
		if diff := cmp.Diff(want, got, ignoreIDs, cmpopts.IgnoreFields(source.Alert{}, "Fingerprint")); diff != "" {
			t.Fatalf("alert (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(got.Fingerprint, "defensx:c1:unknown:Consent.Create:") {
			t.Fatalf("fingerprint = %q", got.Fingerprint)
		}
	})
	t.Run("KeepsAnUnknownEventWithoutCustomerOrTime", func(t *testing.T) {
		t.Parallel()
		in, _, err := defensx.ParseWebhook(nil, []byte(`{"event":"Partner.Update"}`))
		if err != nil || len(in.Alerts) != 1 || in.Alerts[0].Type != "unknown:Partner.Update" || in.Alerts[0].CustomerID != "" {
			t.Fatalf("alerts %+v, err %v", in.Alerts, err)
		}
	})
	t.Run("HashesTheSameEventTheSameWhateverItsEscaping", func(t *testing.T) {
		t.Parallel()
		compact := `{"payload":{"url":"https://monster.com/","reason":"Incorrect Risk Rating","hostname":"monster.com","report_type":"url_block","customer_id":"c062a202-e090-4e57-ba88-d74dfd2e3455","user_id":"ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63","id":1650,"type":"UserRequest"},"time":1677241081,"event":"UserRequest.Create"}`
		a, _, err1 := defensx.ParseWebhook(nil, []byte(kbUserRequest))
		b, _, err2 := defensx.ParseWebhook(nil, []byte(compact))
		c, _, err3 := defensx.ParseWebhook(nil, []byte(strings.Replace(kbUserRequest, "1650", "1651", 1)))
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		if a.Alerts[0].EventID != b.Alerts[0].EventID {
			t.Errorf("event ids differ: %q vs %q", a.Alerts[0].EventID, b.Alerts[0].EventID)
		}
		if a.Alerts[0].EventID == c.Alerts[0].EventID {
			t.Errorf("two requests share event id %q", a.Alerts[0].EventID)
		}
	})

	t.Run("RefusesABodyLargerThanAnyWebhookBeforeReadingIt", func(t *testing.T) {
		t.Parallel()
		body := `{"event":"Partner.Update","time":1677241081,"payload":[` + strings.Repeat("1,", defensx.MaxWebhookBytes/2) + `1]}`
		_, _, err := defensx.ParseWebhook(nil, []byte(body))
		var tooLarge *source.BodyTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Max != 256<<10 {
			t.Fatalf("err = %v; want a BodyTooLargeError at 256 KiB", err)
		}
	})

	refusals := []struct {
		name, body, want string
	}{
		{"RefusesABodyThatIsNotJSON", `event=UserRequest.Create`, "not a JSON object"},
		{"RefusesAnArray", `[{"event":"UserRequest.Create"}]`, "not a JSON object"},
		{"RefusesABodyWithoutEvent", `{"time":1677241081,"payload":{}}`, `no "event"`},
		{"RefusesAUserRequestWithoutCustomer", `{"event":"UserRequest.Create","time":1677241081,"payload":{"id":1,"hostname":"a.example"}}`, "no payload.customer_id"},
		{"RefusesAnAgentEventWithoutCustomer", `{"event":"Agent.Delete","time":1677241081,"payload":{"id":"a1"}}`, "no payload.customer_id"},
		{"RefusesAUserRequestWithoutPayload", `{"event":"UserRequest.Create","time":1677241081}`, "has no payload"},
		{"RefusesAUserRequestWithoutTime", `{"event":"UserRequest.Create","payload":{"customer_id":"c1"}}`, `no "time"`},
		{"RefusesATimeInMilliseconds", `{"event":"UserRequest.Create","time":1677241081000,"payload":{"customer_id":"c1"}}`, "not a unix timestamp in seconds"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := defensx.ParseWebhook(nil, []byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestConnectorParseInbound(t *testing.T) {
	t.Parallel()
	conn, err := defensx.NewConnector(defensx.Config{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := conn.ParseInbound(nil, []byte(kbUserRequest))
	if err != nil || len(in.Alerts) != 1 || in.Alerts[0].Type != "user_request" {
		t.Fatalf("inbound %+v, err %v", in, err)
	}
	in, err = conn.ParseInbound(nil, []byte(kbAgentCreate))
	if err != nil || len(in.Alerts) != 0 {
		t.Fatalf("agent event: inbound %+v, err %v", in, err)
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(kbUserRequest))
	f.Add([]byte(kbAgentCreate))
	f.Add([]byte(`{"event":"Agent.Uninstall","time":"1677237885","payload":{"customer_id":"c"}}`))
	f.Add([]byte(`{"event":"Other","time":1.5,"payload":[1,2]}`))
	f.Add([]byte(`{"event":"UserRequest.Create","time":1677241081,"payload":{"id":null,"customer_id":1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, agents, err := defensx.ParseWebhook(nil, body)
		if err != nil {
			if len(in.Alerts) != 0 || len(agents) != 0 {
				t.Fatalf("error %v came with results", err)
			}
			return
		}
		if len(in.Alerts)+len(agents) != 1 {
			t.Fatalf("one body gave %d alerts and %d agent events", len(in.Alerts), len(agents))
		}
		for _, a := range in.Alerts {
			if a.Source != source.DefensX || a.Type == "" || a.Fingerprint == "" || !strings.HasPrefix(a.EventID, "defensx:") || !json.Valid(a.Raw) {
				t.Fatalf("incomplete alert %+v", a)
			}
			if a.Type == "user_request" && a.CustomerID == "" {
				t.Fatal("user request without customer")
			}
		}
		for _, ev := range agents {
			if ev.CustomerID == "" || ev.Time.IsZero() {
				t.Fatalf("incomplete agent event %+v", ev)
			}
		}
		if len(in.Endpoints) > len(agents) {
			t.Fatalf("%d endpoint changes from %d agent events", len(in.Endpoints), len(agents))
		}
		for _, c := range in.Endpoints {
			e := c.Endpoint
			if e.ID == "" || len(e.ID) > source.MaxIDBytes || e.CustomerID == "" || len(e.CustomerID) > source.MaxIDBytes ||
				len(e.Name) > source.MaxEndpointTextBytes || !utf8.ValidString(e.ID+e.Name+e.OS) || strings.ContainsRune(e.ID+e.Name+e.OS, 0) {
				t.Fatalf("endpoint change not clean: %+v", c)
			}
		}
	})
}
