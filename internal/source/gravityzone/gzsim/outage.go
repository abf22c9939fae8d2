package gzsim

import "net/http"

// Outage makes calls of one method fail as GravityZone fails on its side: a JSON-RPC
// server error (-32000, "Server error") answered with HTTP 200 and Details as
// error.data.details (API.md §1.5), or, with HTTPStatus, that status and the same body.
type Outage struct {
	// Method is the JSON-RPC method that fails ("updateIncidentNote"); "" fails every method.
	Method  string
	Details string
	// HTTPStatus is the status answered; 0 means 200, as GravityZone answers most failures.
	HTTPStatus int
	// Times is how many calls fail; 0 means every call until EndOutages.
	Times int
}

type activeOutage struct {
	Outage
	used int
}

// InjectOutage adds an outage; when several match a call, the earliest injected applies.
func (s *Sim) InjectOutage(o Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outages = append(s.outages, &activeOutage{Outage: o})
}

// EndOutages ends every outage: calls are answered normally again.
func (s *Sim) EndOutages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outages = nil
}

// outage answers a call an outage applies to, counting the use; ok is false when none does.
func (s *Sim) outage(method string, rep reply) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.outages {
		if o.Method != "" && o.Method != method {
			continue
		}
		o.used++
		if o.Times > 0 && o.used >= o.Times {
			s.outages = append(s.outages[:i:i], s.outages[i+1:]...)
		}
		rep.status = http.StatusOK
		if o.HTTPStatus != 0 {
			rep.status = o.HTTPStatus
		}
		rep.err = newError(codeServerError, "Server error", o.Details)
		return rep, true
	}
	return rep, false
}
