package syncrun

import (
	"fmt"
	"strings"
	"time"

	"halobridge/internal/source"
)

// pushTrouble is what keeps a GravityZone Event Push Service from
// delivering to halobridge.
type pushTrouble int

const (
	pushHealthy pushTrouble = iota
	// pushNotSet: GravityZone has no push settings at all.
	pushNotSet
	// pushElsewhere: it pushes to another address than this halobridge's.
	pushElsewhere
	// pushOff: it is switched off (status 0), by GravityZone itself after
	// repeated failures or by someone.
	pushOff
	// pushFailing: deliveries failed since the last check.
	pushFailing
)

// pushSeen is what a check of the push found, kept until the next one so
// that failures are counted since then.
type pushSeen struct {
	Failed    int       `json:"failed"`
	CheckedAt time.Time `json:"checked_at"`
	// SourceUpdated is the source's UpdatedAt at the check: a source saved
	// since (a new key may be another account, with other counters) makes
	// the counts no measure of what follows.
	SourceUpdated time.Time `json:"source_updated"`
}

// pushFinding is the verdict on one push check.
type pushFinding struct {
	Trouble pushTrouble
	// NewFailures counts the failed deliveries since the last check.
	NewFailures int
}

// judgePush decides what is wrong with a push GravityZone reports, given
// the address it should push to (want, "" when unknown: then any address
// is taken as halobridge's) and the previous check (nil when none counts).
// A trouble that stops every delivery wins over failures.
func judgePush(st source.DeliveryStatus, want string, last *pushSeen) pushFinding {
	switch {
	case st.URL == "":
		return pushFinding{Trouble: pushNotSet}
	case want != "" && strings.TrimRight(st.URL, "/") != strings.TrimRight(want, "/"):
		return pushFinding{Trouble: pushElsewhere}
	case !st.Enabled:
		return pushFinding{Trouble: pushOff}
	case last == nil:
		return pushFinding{}
	}
	failed := st.Failed - last.Failed
	if st.Failed < last.Failed {
		// GravityZone's counters were reset since: all it counts is new.
		failed = st.Failed
	}
	if failed > 0 {
		return pushFinding{Trouble: pushFailing, NewFailures: failed}
	}
	return pushFinding{}
}

// pushWords says a push trouble for people: the problem with the counts
// GravityZone gave, and the fix. label names the source, want is
// halobridge's address for it.
func pushWords(f pushFinding, st source.DeliveryStatus, label, want string, last *pushSeen) (message, fix string) {
	var lead string
	switch f.Trouble {
	case pushNotSet:
		lead = fmt.Sprintf("GravityZone has no Event Push Service settings, so no alerts of %s reach halobridge.", label)
	case pushElsewhere:
		off := ""
		if !st.Enabled {
			off = ", and is switched off"
		}
		lead = fmt.Sprintf("GravityZone's Event Push Service pushes to %s, not to halobridge's %s%s, so no alerts of %s reach halobridge.", st.URL, want, off, label)
	case pushOff:
		lead = fmt.Sprintf("GravityZone's Event Push Service is switched off (status 0), so no alerts of %s reach halobridge.", label)
	case pushFailing:
		lead = fmt.Sprintf("%d deliveries of GravityZone's Event Push Service to halobridge failed since halobridge last looked at %s, so alerts of %s are late or lost.",
			f.NewFailures, last.CheckedAt.UTC().Format("2006-01-02 15:04 UTC"), label)
	}
	stats := fmt.Sprintf(" GravityZone's statistics since their last reset: messages delivered %d, failed %d", st.Delivered, st.Failed)
	if st.LastError != "" {
		stats += "; " + st.LastError
	}
	message = lead + stats + "."

	register := "Resolve registers halobridge with the Event Push Service again (setPushEventSettings with its address and Authorization)."
	switch f.Trouble {
	case pushElsewhere:
		fix = "GravityZone pushes to one address only. If another tool needs GravityZone's events, choose which one receives them; to have halobridge receive them, press Resolve: it registers itself again (setPushEventSettings with its address and Authorization)."
	case pushOff, pushFailing:
		fix = fmt.Sprintf("GravityZone switches the push off by itself after more than 100 failed deliveries, or 3 hours without one answered 200. Make sure GravityZone reaches halobridge at %s and that halobridge answers it (answers 4xx mean the Authorization GravityZone sends is not the one halobridge gave it), then press Resolve. %s",
			want, register)
	default:
		fix = "Press Resolve. " + register + " The API key needs the Event Push Service API."
	}
	return message, fix
}
