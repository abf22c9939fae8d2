package gzsim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Event is one pushed event: its fields exactly as the Event Push Service lays them out
// for its module.
type Event map[string]any

// subscribable are the event types setPushEventSettings accepts.
var subscribable = []string{
	"adcloud", "antiexploit", "aph", "av", "avc", "device-control", "dp", "endpoint-moved-in", "endpoint-moved-out",
	"exchange-malware", "exchange-user-credentials", "fw", "hd", "hwid-change", "install", "modules",
	"network-monitor", "network-sandboxing", "new-extended-incident", "new-incident", "partner-changed",
	"ransomware-mitigation", "registration", "security-container-update-available", "storage-antimalware",
	"supa-update-status", "sva", "sva-load", "task-status", "troubleshooting-activity", "uc", "uninstall",
}

// Modules lists the modules the simulator builds events for, sorted.
func Modules() []string {
	return slices.Sorted(maps.Keys(builders))
}

// NewEvent builds an event of module for one of companyID's endpoints ("" picks a
// customer at random). A new-incident event also opens the incident it announces.
func (s *Sim) NewEvent(module, companyID string) (Event, error) {
	if _, ok := builders[module]; !ok {
		return nil, fmt.Errorf("gzsim: no events of module %q", module)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var c *company
	if companyID != "" {
		if c = s.byID[companyID]; c == nil || len(c.endpoints) == 0 {
			return nil, fmt.Errorf("gzsim: company %q has no endpoints", companyID)
		}
	}
	return s.buildLocked(module, c), nil
}

// buildLocked builds an event of module for c (nil: a random customer); s.mu is held.
func (s *Sim) buildLocked(module string, c *company) Event {
	if c == nil {
		var customers []*company
		for _, o := range s.companies {
			if !o.Partner && len(o.endpoints) > 0 {
				customers = append(customers, o)
			}
		}
		if len(customers) == 0 {
			customers = s.companies[:1]
		}
		c = customers[s.rng.IntN(len(customers))]
	}
	b := &builder{s: s, c: c, rng: s.rng, now: s.now()}
	if len(c.endpoints) > 0 {
		b.ep = c.endpoints[s.rng.IntN(len(c.endpoints))]
	}
	return builders[module](b)
}

// builder holds what one event is built from.
type builder struct {
	s   *Sim
	c   *company
	ep  Endpoint
	rng *rand.Rand
	now time.Time
}

func (b *builder) pick(options ...string) string { return options[b.rng.IntN(len(options))] }

func (b *builder) iso(ago time.Duration) string { return b.now.Add(-ago).UTC().Format(isoMillis) }

func (b *builder) hex(n int) string {
	var sb strings.Builder
	for range n {
		fmt.Fprintf(&sb, "%02x", b.rng.IntN(256))
	}
	return sb.String()
}

// block is the endpoint block most modules start with.
func (b *builder) block(product string) Event {
	return Event{
		"companyId":         b.c.ID,
		"computer_name":     b.ep.Name,
		"computer_fqdn":     b.ep.FQDN,
		"computer_ip":       b.ep.IP,
		"computer_id":       b.ep.ComputerID,
		"product_installed": product,
	}
}

// with adds fields to e.
func with(e Event, fields Event) Event {
	maps.Copy(e, fields)
	return e
}
