package gravityzone

import (
	"encoding/json"
	"net/url"
	"strings"
)

// event is one pushed event, decoded with json.Number so that numbers keep their text.
type event map[string]any

// text is the first of the named fields that holds a non-empty value, as text.
func (e event) text(names ...string) string {
	for _, name := range names {
		if s := textOf(e[name]); s != "" {
			return s
		}
	}
	return ""
}

// obj is the named nested object, or an empty one.
func (e event) obj(name string) event {
	if m, ok := e[name].(map[string]any); ok {
		return m
	}
	return event{}
}

// textOf renders a field value: scalars as they are, lists joined by ", ", objects as JSON.
func textOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case []any:
		// Empty items are kept: lists such as network-sandboxing's filePaths, fileSizes and
		// remediationActions are read side by side.
		parts := make([]string, len(v))
		empty := true
		for i, item := range v {
			parts[i] = textOf(item)
			empty = empty && parts[i] == ""
		}
		if empty {
			return ""
		}
		return strings.Join(parts, ", ")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// hostName is the endpoint's name in any of the spellings the modules use.
func (e event) hostName() string {
	return e.text("computer_name", "computerName", "host_name")
}

// hostIPs splits computer_ip, which new-incident may send as "192.168.0.1, 192.168.0.2".
func (e event) hostIPs() []string {
	var ips []string
	for _, ip := range strings.Split(e.text("computer_ip", "computerIp"), ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	return ips
}

// hostKey identifies the endpoint for fingerprints: its GravityZone id when the event has
// one, else its name, else its address.
func (e event) hostKey() string {
	if id := e.text("endpointId", "computer_id"); id != "" {
		return id
	}
	if name := e.hostName(); name != "" {
		return strings.ToLower(name)
	}
	if ips := e.hostIPs(); len(ips) > 0 {
		return ips[0]
	}
	return ""
}

// user is the end user in any of the shapes the modules use: user{name}, user{id,name},
// user{name,sid}, user{userName,userSid}, username, detection_username.
func (e event) user() (name, sid string) {
	u := e.obj("user")
	name = u.text("name", "userName")
	if name == "" {
		name = e.text("username", "detection_username")
	}
	sid = u.text("sid", "userSid")
	if sid == "" {
		sid = e.text("user_sid")
	}
	return name, sid
}

// isTest reports the "_testEvent_" mark of sendTestPushEvent.
func (e event) isTest() bool {
	switch strings.ToLower(e.text("_testEvent_")) {
	case "true", "1":
		return true
	}
	return false
}

// domainOf is the lower-cased host of a URL, or the whole text when it is not one.
func domainOf(raw string) string {
	raw = strings.TrimSpace(raw)
	if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(raw)
}
