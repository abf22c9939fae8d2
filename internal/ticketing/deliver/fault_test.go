package deliver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

// child is a halobridge process working delivery jobs.
type child struct {
	cmd    *exec.Cmd
	output *lockedBuffer
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startChild(t *testing.T, b *testBundle, replica string) *child {
	t.Helper()
	cfg, _ := json.Marshal(childConfig{DataDir: b.dataDir, Replica: replica})
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$"), output: &lockedBuffer{}}
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(cfg))
	c.cmd.Stdout, c.cmd.Stderr = c.output, c.output
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", replica, err)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	if err := c.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the process ended with %v, want killed; its output:\n%s", err, c.output.String())
	}
}

// hostAlerts are n alerts on each of hosts hosts of customer c-1.
func hostAlerts(prefix string, hosts, n int, at time.Time) []source.Alert {
	var out []source.Alert
	for h := range hosts {
		for i := range n {
			out = append(out, avAlert(fmt.Sprintf("%s-%d-%d", prefix, h, i), "c-1", fmt.Sprintf("WS-%03d", h), "EICAR", at.Add(time.Duration(i)*time.Second)))
		}
	}
	return out
}

// alertCount finds "<n> new alerts" or "1 new alert" in a note or details.
var alertCount = regexp.MustCompile(`(\d+) new alerts?\b`)

// alertsListed is how many alerts a ticket's details or a note lists;
// details of a single alert list none and count as one.
func alertsListed(html string, single int) int {
	m := alertCount.FindStringSubmatch(html)
	if m == nil {
		return single
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("EveryAlertReachesHaloOnceThroughErrorsTimeoutsRateLimitsAndAKill", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{Now: time.Now}})
		tickets := func() []halosim.Ticket { return ourTickets(b.sim) }
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusInternalServerError, AfterApply: true, Times: 2})
		b.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Tickets", Status: http.StatusServiceUnavailable, Times: 1})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Latency: 40 * time.Millisecond})

		first := startChild(t, b, "first")
		now := time.Now().UTC()
		ingest := func(alerts []source.Alert) {
			t.Helper()
			if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: b.partner.ID, SourceID: b.src.ID, ReceivedAt: time.Now(), Alerts: alerts}}); err != nil {
				t.Fatal(err)
			}
		}
		ingest(hostAlerts("storm", 40, 3, now.Add(-time.Hour)))
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("output of the first process:\n%s", first.output.String())
			}
		})
		wait.For(t, "ten tickets before the kill", func() bool { return len(tickets()) >= 10 })

		// The next create is applied by HaloPSA but its answer never comes:
		// the process dies between posting the ticket and storing its id.
		b.sim.ClearFaults()
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Hang: true, AfterApply: true, Times: 1})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Latency: 40 * time.Millisecond})
		before := len(tickets())
		wait.For(t, "a create applied whose answer hangs", func() bool { return len(tickets()) > before })
		time.Sleep(50 * time.Millisecond)
		first.kill(t)
		pending, err := b.store.TicketLinks(b.ctx, b.partner.ID, store.TicketLinkQuery{State: store.LinkPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 1 {
			t.Fatalf("%d pending links after the kill, want the 1 whose answer hung; child output:\n%s", len(pending), first.output.String())
		}
		if _, ok := ticketByKey(b.sim, pending[0].Key); !ok {
			t.Fatalf("no ticket in HaloPSA for the pending link %q", pending[0].Key)
		}

		second := startChild(t, b, "second")
		ingest(hostAlerts("after", 45, 1, now))
		var pendingAlerts []store.PendingAlert
		var pendingLinks []store.TicketLink
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%d alerts and %d links were pending; output of the restarted process:\n%s", len(pendingAlerts), len(pendingLinks), second.output.String())
			}
		})
		wait.For(t, "every alert and link to be delivered by the restarted process", func() bool {
			var err error
			if pendingAlerts, err = b.store.PendingAlerts(b.ctx, b.partner.ID, time.Now(), 0); err != nil {
				t.Fatal(err)
			}
			pendingLinks, _ = b.store.TicketLinks(b.ctx, b.partner.ID, store.TicketLinkQuery{State: store.LinkPending})
			return len(pendingAlerts) == 0 && len(pendingLinks) == 0
		})

		byKey := map[string][]int{}
		for _, tk := range tickets() {
			byKey[tk.ThirdPartyIDString] = append(byKey[tk.ThirdPartyIDString], tk.ID)
		}
		for key, ids := range byKey {
			if len(ids) > 1 {
				t.Errorf("key %q has %d tickets %v, want 1", key, len(ids), ids)
			}
		}
		if len(byKey) != 45 {
			t.Errorf("%d groups have a ticket, want 45 hosts", len(byKey))
		}
		links, err := b.store.TicketLinks(b.ctx, b.partner.ID, store.TicketLinkQuery{})
		if err != nil {
			t.Fatal(err)
		}
		reflected := 0
		for _, l := range links {
			if ids := byKey[l.Key]; len(ids) != 1 || ids[0] != l.TicketID || l.State != store.LinkOpen {
				t.Errorf("link %+v does not point at the one ticket of its key %v", l, ids)
			}
			reflected += l.AlertCount
		}
		if want := 40*3 + 45; reflected != want {
			t.Errorf("links count %d alerts, want all %d", reflected, want)
		}
		// What HaloPSA holds lists every alert once: in the details of the
		// ticket it opened, or in a note.
		listed := 0
		for _, ids := range byKey {
			tk, _ := b.sim.Ticket(ids[0])
			listed += alertsListed(tk.DetailsHTML, 1)
			for _, n := range notes(b.sim, ids[0]) {
				listed += alertsListed(n.NoteHTML, 0)
			}
		}
		if want := 40*3 + 45; listed != want {
			t.Errorf("HaloPSA lists %d alerts in ticket details and notes, want %d", listed, want)
		}
	})
}
