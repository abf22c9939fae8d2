package halosim

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Trouble is how a struggling HaloPSA misbehaves at random, for every
// client alike: the fault settings of "halobridge sim halo" and of the demo,
// which can also be changed while the simulator runs (SetTrouble, or PUT
// /_sim/trouble). Injected faults (InjectFault) take precedence over it.
type Trouble struct {
	// FailRate is the fraction of write requests (POST, PUT, DELETE under
	// /api) answered 500 before anything is applied.
	FailRate float64 `json:"fail_rate"`
	// FailAfterApplyRate is the fraction of write requests that are
	// applied and then answered 500, or whose connection is then dropped
	// (half each): the answer is lost after HaloPSA acted.
	FailAfterApplyRate float64 `json:"fail_after_apply_rate"`
	// Latency is added to every answer.
	Latency time.Duration `json:"latency"`
	// Down refuses every request: its connection is closed unanswered.
	Down bool `json:"down"`
}

// Validate refuses rates outside [0, 1] and a negative latency.
func (t Trouble) Validate() error {
	switch {
	case t.FailRate < 0 || t.FailRate > 1 || t.FailRate != t.FailRate:
		return fmt.Errorf("fail rate %v must be a fraction between 0 and 1", t.FailRate)
	case t.FailAfterApplyRate < 0 || t.FailAfterApplyRate > 1 || t.FailAfterApplyRate != t.FailAfterApplyRate:
		return fmt.Errorf("fail-after-apply rate %v must be a fraction between 0 and 1", t.FailAfterApplyRate)
	case t.FailRate+t.FailAfterApplyRate > 1:
		return fmt.Errorf("fail rate %v and fail-after-apply rate %v add up to more than 1", t.FailRate, t.FailAfterApplyRate)
	case t.Latency < 0 || t.Latency > time.Hour:
		return fmt.Errorf("latency %s must be between 0 and 1h", t.Latency)
	}
	return nil
}

// MarshalJSON writes Latency as a duration ("250ms").
func (t Trouble) MarshalJSON() ([]byte, error) {
	type plain Trouble
	return json.Marshal(struct {
		plain
		Latency string `json:"latency"`
	}{plain(t), t.Latency.String()})
}

// UnmarshalJSON reads Latency as a duration ("250ms") or in nanoseconds.
func (t *Trouble) UnmarshalJSON(b []byte) error {
	type plain Trouble
	var v struct {
		plain
		Latency json.RawMessage `json:"latency"`
	}
	v.plain = plain(*t)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*t = Trouble(v.plain)
	if len(v.Latency) == 0 || string(v.Latency) == "null" {
		return nil
	}
	var text string
	if json.Unmarshal(v.Latency, &text) == nil {
		d, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		t.Latency = d
		return nil
	}
	return json.Unmarshal(v.Latency, &t.Latency)
}

// SetTrouble replaces the random misbehaviour; the zero Trouble ends it.
func (s *Sim) SetTrouble(t Trouble) error {
	if err := t.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trouble = t
	return nil
}

// CurrentTrouble returns the random misbehaviour in force.
func (s *Sim) CurrentTrouble() Trouble {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trouble
}

// rollTrouble decides, for one request, what the random misbehaviour does
// to it: nil when nothing.
func (s *Sim) rollTrouble(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trouble
	if t.Down {
		return &Fault{Drop: true}
	}
	f := &Fault{Latency: t.Latency}
	path := strings.ToLower(r.URL.Path)
	write := r.Method != http.MethodGet && r.Method != http.MethodHead && strings.HasPrefix(path, "/api/")
	if write && (t.FailRate > 0 || t.FailAfterApplyRate > 0) {
		switch roll := s.dice.Float64(); {
		case roll < t.FailRate:
			f.Status = http.StatusInternalServerError
		case roll < t.FailRate+t.FailAfterApplyRate:
			f.AfterApply = true
			if s.dice.IntN(2) == 0 {
				f.Status = http.StatusInternalServerError
			} else {
				f.Drop = true
			}
		}
	}
	if f.Latency == 0 && !f.fails() {
		return nil
	}
	return f
}

// newDice is the random source of Trouble, drawn from the seed so that a
// run can be repeated.
func newDice(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x7e0b1e))
}

// troublePath is where the simulator's own control of Trouble lives,
// beside HaloPSA's /api and /auth.
const troublePath = "/_sim/trouble"

// serveTrouble answers GET (the settings in force) and PUT (new settings,
// as JSON) on troublePath.
func (s *Sim) serveTrouble(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut, http.MethodPost:
		t := s.CurrentTrouble()
		body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
		if err == nil {
			err = json.Unmarshal(body, &t)
		}
		if err == nil {
			err = s.SetTrouble(t)
		}
		if err != nil {
			http.Error(w, "trouble settings: "+err.Error(), http.StatusBadRequest)
			return
		}
	default:
		w.Header().Set("Allow", "GET, PUT")
		http.Error(w, "use GET or PUT", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.CurrentTrouble())
}
