// Package window counts events over a rolling period: the one accounting
// behind every limiter of halobridge (each tenant's HaloPSA budget, the
// HaloPSA simulator's own limit, sign-in attempts). HaloPSA counts requests
// over the last five minutes rather than refilling a bucket, so a limiter
// that is to stay under its limit must count the same way.
package window

import (
	"slices"
	"sync"
	"time"
)

// Rolling holds when the events of the last Period happened, oldest first.
// A Rolling with its Period set is ready; it is not safe for concurrent use.
type Rolling struct {
	Period time.Duration
	times  []time.Time
}

// Recent returns the times of the events within the period before now,
// oldest first. The slice is the window's own: it is valid until the next
// change.
func (r *Rolling) Recent(now time.Time) []time.Time {
	r.forget(now)
	return r.times
}

// Wait returns how long from now until n more events fit within limit, or
// zero when they fit now.
func (r *Rolling) Wait(now time.Time, limit, n int) time.Duration {
	r.forget(now)
	if over := len(r.times) + n - limit; over > 0 {
		return r.times[over-1].Add(r.Period).Sub(now)
	}
	return 0
}

// Add counts n events at at. An event counted ahead of now (a reservation)
// counts from when it may last happen.
func (r *Rolling) Add(at time.Time, n int) {
	i, _ := slices.BinarySearchFunc(r.times, at, func(t, at time.Time) int {
		if t.After(at) {
			return 1
		}
		return -1
	})
	r.times = slices.Insert(r.times, i, slices.Repeat([]time.Time{at}, n)...)
}

// Take counts n events at now and returns zero when they fit within limit,
// or counts nothing and returns how long until they fit.
func (r *Rolling) Take(now time.Time, limit, n int) time.Duration {
	if wait := r.Wait(now, limit, n); wait > 0 {
		return wait
	}
	r.Add(now, n)
	return 0
}

// Keep forgets all but the newest n events, for a caller that never asks
// about more.
func (r *Rolling) Keep(n int) {
	if len(r.times) > n {
		r.times = append(r.times[:0], r.times[len(r.times)-n:]...)
	}
}

// Idle reports whether no event is within the period before now.
func (r *Rolling) Idle(now time.Time) bool {
	return len(r.Recent(now)) == 0
}

// last is the time of the newest event; the window holds one.
func (r *Rolling) last() time.Time {
	return r.times[len(r.times)-1]
}

// forget drops the events that left the period before now.
func (r *Rolling) forget(now time.Time) {
	gone := 0
	for gone < len(r.times) && !r.times[gone].Add(r.Period).After(now) {
		gone++
	}
	if gone > 0 {
		r.times = append(r.times[:0], r.times[gone:]...)
	}
}

// Keyed keeps a Rolling window of Period per key, for at most MaxKeys keys:
// a new key beyond them evicts every key whose events all left the period
// and, when none has, the key whose last event is the oldest, so that made-up
// keys cannot grow it without bound. A Keyed with Period and MaxKeys set is
// ready; it is safe for concurrent use.
type Keyed struct {
	Period  time.Duration
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*Rolling
}

// Recent returns key's events within the period before now, oldest first.
func (k *Keyed) Recent(now time.Time, key string) []time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w := k.live(now, key); w != nil {
		return slices.Clone(w.times)
	}
	return nil
}

// Add counts an event of key at now, keeping its newest keep events.
func (k *Keyed) Add(now time.Time, key string, keep int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	w := k.window(now, key)
	w.Add(now, 1)
	w.Keep(keep)
}

// Take counts an event of key at now unless limit events happened within the
// period; then it counts nothing and returns how long until one may.
func (k *Keyed) Take(now time.Time, key string, limit int) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w := k.live(now, key); w != nil {
		if wait := w.Wait(now, limit, 1); wait > 0 {
			return wait
		}
	}
	w := k.window(now, key)
	w.Add(now, 1)
	w.Keep(limit)
	return 0
}

// Forget drops every event of key.
func (k *Keyed) Forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, key)
}

// live returns key's window when it holds events within the period, and
// drops it when it holds none. The caller holds k.mu.
func (k *Keyed) live(now time.Time, key string) *Rolling {
	w := k.keys[key]
	if w == nil {
		return nil
	}
	if w.Idle(now) {
		delete(k.keys, key)
		return nil
	}
	return w
}

// window returns key's window, making room for it when it is new. The caller
// holds k.mu.
func (k *Keyed) window(now time.Time, key string) *Rolling {
	if w := k.live(now, key); w != nil {
		return w
	}
	if k.keys == nil {
		k.keys = map[string]*Rolling{}
	}
	if len(k.keys) >= k.MaxKeys {
		k.evict(now)
	}
	w := &Rolling{Period: k.Period}
	k.keys[key] = w
	return w
}

// evict drops every key whose events all left the period and, when none
// has, the key whose last event is the oldest. The caller holds k.mu.
func (k *Keyed) evict(now time.Time) {
	var stalest string
	var stalestAt time.Time
	for key, w := range k.keys {
		if w.Idle(now) {
			delete(k.keys, key)
			continue
		}
		if last := w.last(); stalestAt.IsZero() || last.Before(stalestAt) {
			stalest, stalestAt = key, last
		}
	}
	if len(k.keys) >= k.MaxKeys {
		delete(k.keys, stalest)
	}
}
