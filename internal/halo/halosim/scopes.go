package halosim

import (
	"slices"
	"strings"
)

// Scope names the authorisation server knows (API.md §1.4). offline_access is handled apart:
// it asks for a refresh token rather than granting access.
var knownScopes = []string{
	"all", "all:standard", "all:teams", "admin", "admin:webhooks",
	"read:tickets", "edit:tickets", "read:calendar", "edit:calendar",
	"read:customers", "edit:customers", "read:crm", "edit:crm",
	"editMine:timesheets", "read:timesheets", "edit:timesheets",
	"read:contracts", "edit:contracts", "read:suppliers", "edit:suppliers",
	"read:items", "edit:items", "read:projects", "edit:projects",
	"read:sales", "edit:sales", "read:quotes", "edit:quotes",
	"read:sos", "edit:sos", "read:pos", "edit:pos",
	"read:invoices", "edit:invoices", "read:reporting", "edit:reporting",
	"read:software", "edit:software", "read:softwarelicensing", "edit:softwarelicensing",
	"read:kb", "edit:kb", "read:assets", "edit:assets",
	"read:distributionlists", "edit:distributionlists",
	"access:chat", "access:adpasswordreset",
}

const scopeOfflineAccess = "offline_access"

// scopeSet is a set of atomic scopes: "all", "all:standard" and edit:X → read:X expanded.
type scopeSet map[string]bool

// expandScopes turns scope names into the atomic scopes they grant.
func expandScopes(names []string) scopeSet {
	set := scopeSet{}
	for _, n := range names {
		switch {
		case n == "all":
			for _, k := range knownScopes {
				if k != "all" && k != "all:standard" {
					set[k] = true
				}
			}
		case n == "all:standard":
			for _, k := range knownScopes {
				if isStandardScope(k) {
					set[k] = true
				}
			}
		case strings.HasPrefix(n, "edit:"):
			set[n] = true
			set["read:"+strings.TrimPrefix(n, "edit:")] = true
		case n != scopeOfflineAccess:
			set[n] = true
		}
	}
	return set
}

// isStandardScope: all:standard grants the per-area read/edit scopes, not admin or all:teams.
func isStandardScope(k string) bool {
	for _, p := range []string{"read:", "edit:", "editMine:", "access:"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func (set scopeSet) intersect(other scopeSet) scopeSet {
	out := scopeSet{}
	for k := range set {
		if other[k] {
			out[k] = true
		}
	}
	return out
}

func (set scopeSet) containsAll(other scopeSet) bool {
	for k := range other {
		if !set[k] {
			return false
		}
	}
	return true
}

func (set scopeSet) anyOf(names []string) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

func (set scopeSet) sorted() []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// grantedScopeString says what a token grants in the words the client asked for: a requested
// name is echoed when the application covers all of it, otherwise only its covered parts are.
func grantedScopeString(requested []string, granted scopeSet, offline bool) string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, name := range requested {
		if name == scopeOfflineAccess {
			continue
		}
		parts := expandScopes([]string{name})
		if granted.containsAll(parts) {
			add(name)
			continue
		}
		for _, k := range parts.intersect(granted).sorted() {
			add(k)
		}
	}
	if offline {
		add(scopeOfflineAccess)
	}
	return strings.Join(out, " ")
}

// Scopes each resource area needs (this simulator's model of Halo's effective access, see
// the package documentation). Each list is "any of".
var (
	scopesReadCustomers  = []string{"read:customers"}
	scopesEditCustomers  = []string{"edit:customers"}
	scopesReadTickets    = []string{"read:tickets"}
	scopesEditTickets    = []string{"edit:tickets"}
	scopesReadItems      = []string{"read:items"}
	scopesEditItems      = []string{"edit:items"}
	scopesReadInvoices   = []string{"read:invoices"}
	scopesEditInvoices   = []string{"edit:invoices"}
	scopesReadTeams      = []string{"all:teams", "admin"}
	scopesAdmin          = []string{"admin"}
	scopesReadLinks      = []string{"read:customers", "read:tickets"}
	scopesEditLinks      = []string{"edit:customers", "edit:tickets"}
	scopesAnyValidBearer = []string(nil)
)
