package halosim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an injected misbehaviour for requests matching Method and PathPrefix.
type Fault struct {
	Method     string // "" matches any method
	PathPrefix string // case-insensitive prefix of the URL path; "" matches any path
	Status     int    // answer this status instead of the real answer (0: answer normally after Latency)
	Body       string // the body sent with Status
	RetryAfter time.Duration
	Latency    time.Duration // wait this long before answering (or failing)
	Hang       bool          // never answer; return only when the request context ends
	Drop       bool          // close the connection without any answer
	Times      int           // how many requests it applies to; 0 means until ClearFaults
	// AfterApply makes a POST do its write first and then fail, like an answer lost after
	// Halo acted; for other methods the fault applies before the request is handled.
	AfterApply bool
}

type activeFault struct {
	Fault
	used int
}

// InjectFault adds a fault; when several match a request, the earliest injected one applies.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f})
}

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault applying to r, counting the use, or nil.
func (s *Sim) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := strings.ToLower(r.URL.Path)
	for i, af := range s.faults {
		if af.Method != "" && !strings.EqualFold(af.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(path, strings.ToLower(af.PathPrefix)) {
			continue
		}
		af.used++
		if af.Times > 0 && af.used >= af.Times {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		f := af.Fault
		return &f
	}
	return nil
}

func (f *Fault) fails() bool { return f.Status != 0 || f.Hang || f.Drop }

// answer sends the fault instead of the real answer and returns the status sent (0 if none).
func (f *Fault) answer(w http.ResponseWriter, r *http.Request) int {
	switch {
	case f.Hang:
		<-r.Context().Done()
		return 0
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return 0
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter.Round(time.Second)/time.Second)))
	}
	contentType := "text/plain; charset=utf-8"
	if strings.HasPrefix(strings.TrimSpace(f.Body), "{") || strings.HasPrefix(strings.TrimSpace(f.Body), "[") {
		contentType = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
	return f.Status
}
