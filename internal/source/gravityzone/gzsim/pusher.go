package gzsim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"
)

const (
	// maxErrorMessages is how many failed deliveries GravityZone tolerates before it turns
	// the service off ("more than 100").
	maxErrorMessages = 100
	// maxFailingFor is how long it keeps trying without a single 200 before turning it off.
	maxFailingFor = 10800 * time.Second
	// naiveTime is how lastUpdateTime is written.
	naiveTime = "2006-01-02T15:04:05"
)

// ErrPushDisabled means there is nowhere to push: no settings, or status 0.
var ErrPushDisabled = errors.New("gzsim: the Event Push Service is not enabled")

// Push delivers events as one message to the configured URL, as they are, whatever the
// subscriptions. Any answer but HTTP 200 is an error, and is counted as GravityZone counts it.
func (s *Sim) Push(ctx context.Context, events ...Event) error {
	return s.deliver(ctx, events, false)
}

// Run pushes a batch of EventsPerBatch events every PushEvery while the service is enabled,
// built from the seeded companies and endpoints for the subscribed event types and
// companies, until ctx is done. Failed deliveries are only counted, as GravityZone does.
func (s *Sim) Run(ctx context.Context) error {
	ticker := time.NewTicker(s.opts.PushEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		if events := s.batch(); len(events) > 0 {
			_ = s.deliver(ctx, events, false)
		}
	}
}

// batch builds the next events of Run, or none when pushing is off.
func (s *Sim) batch() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.push.settings
	if st == nil || st.Status != 1 {
		return nil
	}
	var types []string
	for _, t := range Modules() {
		if st.SubscribeToEventTypes[t] {
			types = append(types, t)
		}
	}
	var targets []*company
	for _, c := range s.companies {
		if len(c.endpoints) > 0 && (len(st.SubscribeToCompanies) == 0 || slices.Contains(st.SubscribeToCompanies, c.ID)) {
			targets = append(targets, c)
		}
	}
	if len(types) == 0 || len(targets) == 0 {
		return nil
	}
	events := make([]Event, 0, s.opts.EventsPerBatch)
	for range s.opts.EventsPerBatch {
		events = append(events, s.buildLocked(types[s.rng.IntN(len(types))], targets[s.rng.IntN(len(targets))]))
	}
	return events
}

// deliver sends one message in the configured service type and counts the outcome.
func (s *Sim) deliver(ctx context.Context, events []Event, test bool) error {
	s.mu.Lock()
	st := s.push.settings
	if st == nil || st.Status != 1 {
		s.mu.Unlock()
		return ErrPushDisabled
	}
	target, auth, kind := st.ServiceSettings.URL, st.ServiceSettings.Authorization, st.ServiceType
	id := s.now().UnixMilli()
	s.mu.Unlock()

	body, err := encodeBatch(kind, events, id)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("gzsim: push to %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Event-Push-Service-Md5", Signature(s.opts.APIKey, body))
	resp, err := s.opts.HTTPClient.Do(req)
	status := 0
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		status = resp.StatusCode
	}
	if err != nil && ctx.Err() != nil {
		// The simulator itself is stopping: the collector did nothing wrong,
		// so this is not counted against it.
		return fmt.Errorf("gzsim: push to %s: %w", target, ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(len(events), test, status, err)
	switch {
	case err != nil:
		return fmt.Errorf("gzsim: push to %s: %w", target, err)
	case status != http.StatusOK:
		return fmt.Errorf("gzsim: push to %s answered HTTP %d", target, status)
	}
	return nil
}

// count records one delivery and turns the service off the way GravityZone does: status
// back to 0, which only a new setPushEventSettings changes.
func (s *Sim) count(events int, test bool, status int, err error) {
	st := &s.push.stats
	now := s.now()
	st.LastUpdateTime = now.Format(naiveTime)
	if err == nil && status == http.StatusOK {
		st.Count.SentMessages++
		if test {
			st.Count.TestEvents += events
		} else {
			st.Count.Events += events
		}
		s.push.failingSince = time.Time{}
		return
	}
	st.Count.ErrorMessages++
	s.push.failedSinceSet++
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		st.Error.Timeout++
	case err != nil:
		st.Error.ConnectionError++
	case status < 300:
		st.Error.StatusCode2xx++
	case status < 400:
		st.Error.StatusCode300++
	case status < 500:
		st.Error.StatusCode400++
	default:
		st.Error.StatusCode500++
	}
	if s.push.failingSince.IsZero() {
		s.push.failingSince = now
	}
	if s.push.settings != nil && (s.push.failedSinceSet > maxErrorMessages || now.Sub(s.push.failingSince) >= maxFailingFor) {
		s.push.settings.Status = 0
	}
}

// encodeBatch writes events as the service type sends them: one addEvents call for
// jsonRPC, one {"event":…} line per event for splunk, one bare event per line for qradar.
func encodeBatch(kind string, events []Event, id int64) ([]byte, error) {
	if kind == ServiceJSONRPC {
		body, err := json.Marshal(map[string]any{
			"jsonrpc": "2.0", "method": "addEvents", "params": map[string]any{"events": events}, "id": id,
		})
		if err != nil {
			return nil, fmt.Errorf("gzsim: encode addEvents: %w", err)
		}
		return body, nil
	}
	var buf bytes.Buffer
	for _, ev := range events {
		var line any = ev
		if kind == ServiceSplunk {
			line = map[string]any{"event": ev}
		}
		b, err := json.Marshal(line)
		if err != nil {
			return nil, fmt.Errorf("gzsim: encode a %s event: %w", kind, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}

// Signature is the Event-Push-Service-Md5 header of body pushed for apiKey:
// md5(apiKey + md5(body)), in lower-case hex.
func Signature(apiKey string, body []byte) string {
	inner := md5.Sum(body)
	outer := md5.Sum([]byte(apiKey + hex.EncodeToString(inner[:])))
	return hex.EncodeToString(outer[:])
}
