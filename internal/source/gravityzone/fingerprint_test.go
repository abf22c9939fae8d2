package gravityzone

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	t.Parallel()

	fingerprintOf := func(t *testing.T, ev map[string]any) string {
		t.Helper()
		return parse(t, addEvents(t, ev))[0].Fingerprint
	}

	t.Run("SameMalwareOnSameHostShares", func(t *testing.T) {
		t.Parallel()
		first := sampleEvent(t, "addEvents.av.json")
		second := sampleEvent(t, "addEvents.av.json")
		second["timestamp"] = "2017-09-09T08:00:00.000Z"
		second["file_path"] = `C:\Users\admin\Downloads\eicar.com`
		second["final_status"] = "quarantined"
		a, b := parse(t, addEvents(t, first))[0], parse(t, addEvents(t, second))[0]
		if a.Fingerprint != b.Fingerprint {
			t.Errorf("two deliveries of one malware on one host: %q != %q", a.Fingerprint, b.Fingerprint)
		}
		if a.EventID == b.EventID {
			t.Error("two different deliveries must keep different EventIDs")
		}
	})

	t.Run("DifferentHostDiffers", func(t *testing.T) {
		t.Parallel()
		other := sampleEvent(t, "addEvents.av.json")
		other["computer_id"] = "59a1604e60369e06733f8abc"
		other["computer_name"] = "FC-WIN7-X64-02"
		if fingerprintOf(t, sampleEvent(t, "addEvents.av.json")) == fingerprintOf(t, other) {
			t.Error("the same malware on another host must get its own fingerprint")
		}
	})

	t.Run("OtherCompanyDiffers", func(t *testing.T) {
		t.Parallel()
		other := sampleEvent(t, "addEvents.av.json")
		other["companyId"] = "59a14b271da197c6108b4599"
		if fingerprintOf(t, sampleEvent(t, "addEvents.av.json")) == fingerprintOf(t, other) {
			t.Error("the same host id under another customer must not share a fingerprint")
		}
	})

	t.Run("OtherMalwareDiffers", func(t *testing.T) {
		t.Parallel()
		other := sampleEvent(t, "addEvents.av.json")
		other["malware_name"] = "Trojan.GenericKD.1"
		if fingerprintOf(t, sampleEvent(t, "addEvents.av.json")) == fingerprintOf(t, other) {
			t.Error("another malware on the same host must get its own fingerprint")
		}
	})

	t.Run("SameDomainOtherPathShares", func(t *testing.T) {
		t.Parallel()
		first := sampleEvent(t, "addEvents.aph.json")
		second := sampleEvent(t, "addEvents.aph.json")
		second["url"] = "http://EXAMPLE.com/other/login.php"
		if fingerprintOf(t, first) != fingerprintOf(t, second) {
			t.Error("phishing blocks on one domain belong together")
		}
	})

	t.Run("SameIncidentShares", func(t *testing.T) {
		t.Parallel()
		first := sampleEvent(t, "addEvents.new-incident.2024.json")
		second := sampleEvent(t, "addEvents.new-incident.2024.json")
		second["computer_name"] = "another-host"
		second["endpointId"] = "648e8236e272169b71286eff"
		second["created"] = "2024-07-13T08:00:58.876Z"
		if fingerprintOf(t, first) != fingerprintOf(t, second) {
			t.Error("every event of one incident belongs on one ticket")
		}
	})

	t.Run("EscapesSeparators", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvent(t, "addEvents.av.json")
		ev["malware_name"] = "Evil|Name 100%"
		want := "gravityzone|59a14b271da197c6108b4567|av|59a1604e60369e06733f8abb|Evil%7CName 100%25"
		if got := fingerprintOf(t, ev); got != want {
			t.Errorf("Fingerprint = %q, want %q", got, want)
		}
	})

	t.Run("HashesLongInputs", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvent(t, "addEvents.av.json")
		ev["malware_name"] = strings.Repeat("A", 200)
		got := fingerprintOf(t, ev)
		if !strings.HasPrefix(got, "gravityzone|59a14b271da197c6108b4567|av|59a1604e60369e06733f8abb|sha256:") || len(got) > 120 {
			t.Errorf("Fingerprint = %q, want the long name replaced by its hash", got)
		}
	})
}
