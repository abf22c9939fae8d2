package gzsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// JSON-RPC error codes GravityZone answers with.
const (
	codeParseError      = -32700
	codeInvalidRequest  = -32600
	codeMethodNotFound  = -32601
	codeInvalidParams   = -32602
	codeServerError     = -32000
	codeAuthorization   = -32001
	codeTooManyRequests = -32003
)

// rpcError is the error member of an answer.
type rpcError struct {
	Code    int         `json:"code"`
	Message string      `json:"message"`
	Data    *rpcErrData `json:"data,omitempty"`
}

type rpcErrData struct {
	Details string `json:"details"`
}

func newError(code int, message, details string) *rpcError {
	e := &rpcError{Code: code, Message: message}
	if details != "" {
		e.Data = &rpcErrData{Details: details}
	}
	return e
}

func invalidParams(format string, args ...any) *rpcError {
	return newError(codeInvalidParams, "Invalid params", fmt.Sprintf(format, args...))
}

// reply is one HTTP answer carrying a JSON-RPC result or error.
type reply struct {
	status int
	header http.Header
	id     json.RawMessage
	result any
	err    *rpcError
}

func (rep reply) write(w http.ResponseWriter) {
	for k, vs := range rep.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	id := rep.id
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	body := map[string]any{"id": id, "jsonrpc": "2.0"}
	if rep.err != nil {
		body["error"] = rep.err
	} else {
		body["result"] = rep.result
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		http.Error(w, "gzsim: encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write(buf.Bytes())
}

// handler runs one method. It takes the simulator's lock itself, so that a method that
// pushes can release it first.
type handler func(ctx context.Context, params json.RawMessage) (any, *rpcError)

type methodSpec struct {
	versions []string
	run      handler
}

// routes lists every method by service, with the API versions it exists in.
func (s *Sim) routes() map[string]map[string]methodSpec {
	v10 := []string{"v1.0"}
	return map[string]map[string]methodSpec{
		"general": {
			"getApiKeyDetails": {v10, s.getAPIKeyDetails},
		},
		"network": {
			"getCompaniesList": {[]string{"v1.0", "v1.1"}, s.getCompaniesList},
			"getEndpointsList": {[]string{"v1.0", "v1.1"}, s.getEndpointsList},
		},
		"companies": {
			"getCompanyDetails": {v10, s.getCompanyDetails},
		},
		"licensing": {
			"getLicenseInfo":                {v10, s.getLicenseInfo},
			"getMonthlyUsage":               {v10, s.getMonthlyUsage},
			"getMonthlyUsagePerProductType": {v10, s.getMonthlyUsagePerProductType},
		},
		"incidents": {
			"getIncidentsList":     {[]string{"v1.2"}, s.getIncidentsList},
			"getIncident":          {[]string{"v1.2"}, s.getIncident},
			"changeIncidentStatus": {[]string{"v1.0", "v1.1"}, s.changeIncidentStatus},
			"updateIncidentNote":   {[]string{"v1.0", "v1.1"}, s.updateIncidentNote},
		},
		"push": {
			"setPushEventSettings": {v10, s.setPushEventSettings},
			"getPushEventSettings": {v10, s.getPushEventSettings},
			"sendTestPushEvent":    {v10, s.sendTestPushEvent},
			"getPushEventStats":    {v10, s.getPushEventStats},
			"resetPushEventStats":  {v10, s.resetPushEventStats},
		},
	}
}

// answer applies GravityZone's checks in order: key, rate limit, category, envelope, method.
func (s *Sim) answer(r *http.Request, version, service string, body []byte, entry *Request) reply {
	var envelope struct {
		ID      json.RawMessage `json:"id"`
		JSONRPC string          `json:"jsonrpc"`
		Method  *string         `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	readErr := json.Unmarshal(body, &envelope)
	rep := reply{status: http.StatusOK, id: envelope.ID}
	if envelope.Method != nil {
		entry.Method = *envelope.Method
	}
	entry.Params = envelope.Params
	if r.Method != http.MethodPost {
		rep.status = http.StatusMethodNotAllowed
		rep.header = http.Header{"Allow": {http.MethodPost}}
		rep.err = newError(codeInvalidRequest, "Invalid Request", "Only POST requests are accepted")
		return rep
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != s.opts.APIKey || pass != "" {
		rep.status = http.StatusUnauthorized
		rep.err = newError(codeAuthorization, "Unauthorized", "Invalid API key")
		return rep
	}
	if wait, ok := s.allow(); !ok {
		rep.status = http.StatusTooManyRequests
		rep.header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
		rep.err = newError(codeTooManyRequests, "Too many requests", "The API key exceeded its limit of requests per second")
		return rep
	}
	methods, known := s.methods[service]
	if !known {
		rep.status = http.StatusNotFound
		rep.err = newError(codeMethodNotFound, "Method not found", fmt.Sprintf("There is no %q API", service))
		return rep
	}
	if !slices.Contains(s.opts.Services, service) {
		rep.status = http.StatusForbidden
		rep.err = newError(codeAuthorization, "Forbidden", fmt.Sprintf("The API key is not allowed to use the %s API", service))
		return rep
	}
	switch {
	case readErr != nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")):
		rep.err = newError(codeInvalidRequest, "Invalid Request", "Batch requests are not supported")
		return rep
	case readErr != nil:
		rep.err = newError(codeParseError, "Parse error", "The request body is not valid JSON")
		return rep
	case envelope.JSONRPC != "2.0" || envelope.Method == nil || len(envelope.ID) == 0:
		rep.err = newError(codeInvalidRequest, "Invalid Request", `A request needs "jsonrpc": "2.0", a "method" and an "id"`)
		return rep
	}
	spec, ok := methods[*envelope.Method]
	if !ok || !slices.Contains(spec.versions, version) {
		rep.err = newError(codeMethodNotFound, "Method not found", fmt.Sprintf("Method %s is not available in %s/%s", *envelope.Method, version, service))
		return rep
	}
	if failed, ok := s.outage(*envelope.Method, rep); ok {
		return failed
	}
	params := envelope.Params
	if len(params) == 0 || string(params) == "null" {
		params = json.RawMessage("{}")
	}
	rep.result, rep.err = spec.run(context.WithValue(r.Context(), versionKey{}, version), params)
	return rep
}

// versionKey holds, in a handler's context, the API version the method was
// called at, for the methods whose answer differs between versions.
type versionKey struct{}

// versionOf is the API version a handler was called at.
func versionOf(ctx context.Context) string {
	v, _ := ctx.Value(versionKey{}).(string)
	return v
}

// allow spends one request of the key's budget, or says in whole seconds when to retry.
func (s *Sim) allow() (int, bool) {
	if s.limiter == nil {
		return 0, true
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limiter.AllowN(now, 1) {
		return 0, true
	}
	r := s.limiter.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return max(1, int(math.Ceil(wait.Seconds()))), false
}

// decodeParams reads params into dst strictly, as GravityZone does: an unknown member or a
// value of the wrong type is "Invalid params".
func decodeParams(params json.RawMessage, dst any) *rpcError {
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return invalidParams("Invalid value for '%s'", typeErr.Field)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidParams("Unknown parameter %s", name)
	}
	return invalidParams("params must be an object")
}
