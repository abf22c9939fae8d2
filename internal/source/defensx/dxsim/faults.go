package dxsim

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes requests whose path (below BasePath) starts with PathPrefix fail with Status,
// in DefensX's error body.
type Fault struct {
	PathPrefix string // e.g. "/usage"; "" matches every path
	Status     int
	Message    string        // "" means the status text
	RetryAfter time.Duration // sent as Retry-After when positive
	Times      int           // how many requests fail; 0 means until ClearFaults
}

type activeFault struct {
	Fault
	used int
}

func (f *Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	return http.StatusText(f.Status)
}

// InjectFault adds a fault; when several match, the earliest injected applies.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f})
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Sim) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, af := range s.faults {
		if !strings.HasPrefix(path, af.PathPrefix) {
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
