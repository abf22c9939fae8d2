package syncrun

import (
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
)

func TestJudgePush(t *testing.T) {
	t.Parallel()
	const ours = "https://hb.example/ingest/tok"
	seen := func(failed int) *pushSeen { return &pushSeen{Failed: failed} }
	on := func(url string, delivered, failed int) source.DeliveryStatus {
		return source.DeliveryStatus{Enabled: true, URL: url, Delivered: delivered, Failed: failed}
	}
	off := func(url string, failed int) source.DeliveryStatus {
		return source.DeliveryStatus{URL: url, Failed: failed}
	}
	for _, tc := range []struct {
		name string
		st   source.DeliveryStatus
		want string
		last *pushSeen
		then pushFinding
	}{
		{"NoSettingsAtAll", source.DeliveryStatus{}, ours, nil, pushFinding{Trouble: pushNotSet}},
		{"NoAddressThoughEnabled", on("", 0, 0), ours, seen(0), pushFinding{Trouble: pushNotSet}},
		{"PushesToAnotherCollector", on("https://siem.example/gz", 9, 0), ours, seen(0), pushFinding{Trouble: pushElsewhere}},
		{"PushesToHalobridgesFormerAddress", on("https://old.example/ingest/tok", 9, 0), ours, seen(0), pushFinding{Trouble: pushElsewhere}},
		{"ElsewhereWinsOverOff", off("https://siem.example/gz", 0), ours, nil, pushFinding{Trouble: pushElsewhere}},
		{"ATrailingSlashIsTheSameAddress", on(ours+"/", 9, 0), ours, seen(0), pushFinding{}},
		{"AnyAddressWhenHalobridgeDoesNotKnowItsOwn", on("https://siem.example/gz", 9, 0), "", seen(0), pushFinding{}},
		{"SwitchedOff", off(ours, 0), ours, seen(0), pushFinding{Trouble: pushOff}},
		{"OffWinsOverFailures", off(ours, 101), ours, seen(3), pushFinding{Trouble: pushOff}},
		{"FirstCheckCountsNoOldFailures", on(ours, 9, 50), ours, nil, pushFinding{}},
		{"FailuresGrewSinceTheLastCheck", on(ours, 9, 10), ours, seen(3), pushFinding{Trouble: pushFailing, NewFailures: 7}},
		{"DeliveriesWithoutNewFailures", on(ours, 90, 10), ours, seen(10), pushFinding{}},
		{"CountersResetSinceAndFailedAgain", on(ours, 1, 2), ours, seen(40), pushFinding{Trouble: pushFailing, NewFailures: 2}},
		{"CountersResetSinceAndAllWell", on(ours, 1, 0), ours, seen(40), pushFinding{}},
	} {
		if got := judgePush(tc.st, tc.want, tc.last); got != tc.then {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.then)
		}
	}
}

func TestPushWords(t *testing.T) {
	t.Parallel()
	const ours = "https://hb.example/ingest/tok"
	last := &pushSeen{Failed: 3, CheckedAt: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name         string
		finding      pushFinding
		st           source.DeliveryStatus
		message, fix []string
	}{
		{"NotSet", pushFinding{Trouble: pushNotSet}, source.DeliveryStatus{},
			[]string{"GravityZone has no Event Push Service settings, so no alerts of GravityZone 'EU' reach halobridge.", "messages delivered 0, failed 0"},
			[]string{"Press Resolve", "setPushEventSettings", "Event Push Service API"}},
		{"Elsewhere", pushFinding{Trouble: pushElsewhere}, source.DeliveryStatus{URL: "https://siem.example/gz", Delivered: 12},
			[]string{"pushes to https://siem.example/gz, not to halobridge's " + ours + ", and is switched off", "messages delivered 12, failed 0"},
			[]string{"one address only", "Resolve"}},
		{"OffAfterFailures", pushFinding{Trouble: pushOff}, source.DeliveryStatus{URL: ours, Failed: 101, Delivered: 4,
			LastError: "GravityZone stopped pushing after more than 100 failed deliveries; failed deliveries: 101 answers 4xx"},
			[]string{"switched off (status 0)", "messages delivered 4, failed 101", "101 answers 4xx"},
			[]string{"more than 100 failed deliveries", ours, "answers 4xx mean the Authorization", "press Resolve"}},
		{"Failing", pushFinding{Trouble: pushFailing, NewFailures: 7}, source.DeliveryStatus{Enabled: true, URL: ours, Failed: 10, LastError: "failed deliveries: 10 answers 5xx"},
			[]string{"7 deliveries of GravityZone's Event Push Service to halobridge failed since halobridge last looked at 2026-11-20 09:30 UTC", "10 answers 5xx"},
			[]string{ours, "Resolve"}},
	} {
		message, fix := pushWords(tc.finding, tc.st, "GravityZone 'EU'", ours, last)
		for _, want := range tc.message {
			if !strings.Contains(message, want) {
				t.Errorf("%s: message %q does not say %q", tc.name, message, want)
			}
		}
		for _, want := range tc.fix {
			if !strings.Contains(fix, want) {
				t.Errorf("%s: fix %q does not say %q", tc.name, fix, want)
			}
		}
	}
}
