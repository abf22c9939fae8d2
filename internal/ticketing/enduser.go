package ticketing

import (
	"fmt"
	"html"
	"strings"

	"halobridge/internal/source"
)

// HaloUser is one HaloPSA user of a mapped client, as the catalog holds it:
// what an alert's user is matched against.
type HaloUser struct {
	ID    int
	Name  string
	Email string
	// Login is HaloPSA's network login (login): a UPN or DOMAIN\user.
	Login  string
	SiteID int
	// General marks the site's General User, which is never a match.
	General bool
}

// UserMatch says how the user an alert names was looked for.
type UserMatch int

const (
	// UserNotFound: no HaloPSA user of the client matches.
	UserNotFound UserMatch = iota
	// UserMatched: exactly one does.
	UserMatched
	// UserAmbiguous: several do, equally well, and none is chosen.
	UserAmbiguous
)

// MaxNamedUsers bounds the ways of naming one user MatchUser compares.
const MaxNamedUsers = 8

// MatchUser finds the one HaloPSA user among users that the alert names
// by any of named (an e-mail address, a UPN, DOMAIN\user, a bare account or
// a full name). Addresses are compared first (e-mail or login, whole,
// ignoring case), then account names (the part after DOMAIN\ or before @),
// then full names; within each, a user on siteID wins over users of the
// client's other sites. Several users matching equally are ambiguous: the
// lookup stops there rather than guess. General Users never match.
func MatchUser(named []string, users []HaloUser, siteID int) (HaloUser, UserMatch) {
	if len(named) > MaxNamedUsers {
		named = named[:MaxNamedUsers]
	}
	tiers := []func(n string, u HaloUser) bool{
		func(n string, u HaloUser) bool { return sameText(n, u.Email) || sameText(n, u.Login) },
		// An address names its domain: its account is compared only with
		// DOMAIN\user logins, which name none.
		func(n string, u HaloUser) bool {
			acct := account(n)
			if acct == "" {
				return false
			}
			if strings.Contains(n, "@") {
				return !strings.Contains(u.Login, "@") && acct == account(u.Login)
			}
			return acct == account(u.Login) || acct == account(u.Email)
		},
		func(n string, u HaloUser) bool { return sameText(n, u.Name) },
	}
	for _, matches := range tiers {
		var found []HaloUser
		for _, u := range users {
			if u.ID <= 0 || u.General {
				continue
			}
			for _, n := range named {
				if strings.TrimSpace(n) != "" && matches(n, u) {
					found = append(found, u)
					break
				}
			}
		}
		if len(found) == 0 {
			continue
		}
		if siteID > 0 {
			var onSite []HaloUser
			for _, u := range found {
				if u.SiteID == siteID {
					onSite = append(onSite, u)
				}
			}
			if len(onSite) > 0 {
				found = onSite
			}
		}
		if len(found) == 1 {
			return found[0], UserMatched
		}
		return HaloUser{}, UserAmbiguous
	}
	return HaloUser{}, UserNotFound
}

// sameText compares two names ignoring case and runs of spaces.
func sameText(a, b string) bool {
	a, b = strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " ")
	return a != "" && strings.EqualFold(a, b)
}

// account is the account part of a login, lower-cased: jdoe of
// DOMAIN\jdoe, jdoe@example.com and jdoe; "" for a full name (with spaces).
func account(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if s == "" || strings.ContainsAny(s, " \t") {
		return ""
	}
	return strings.ToLower(s)
}

// NamedUser lists the ways alert a names its user, best first: the e-mail
// address the source's users give for it, the login and e-mail facts
// (DefensX), the alert's user (a GravityZone user name, the push API's
// user) and the name the source's users give. An alert that names no user
// gives none.
func NamedUser(a source.Alert, names Names) []string {
	var out []string
	for _, n := range []string{names.UserEmail, a.Facts["email"], a.Facts["login"], a.User, names.User} {
		n = strings.TrimSpace(n)
		if n == "" || len(n) > source.MaxUserTextBytes {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || strings.EqualFold(o, n)
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// fileOnEndUser files t on the user a names when exactly one of users
// matches; otherwise t stays on the General User and its body says which
// user the alert named. An alert naming no user leaves t as it is.
func fileOnEndUser(t *TicketFields, a source.Alert, names Names, users []HaloUser) {
	named := NamedUser(a, names)
	if len(named) == 0 {
		return
	}
	u, how := MatchUser(named, users, t.SiteID)
	if how == UserMatched {
		t.UserID, t.SiteID, t.UseGeneralUser = u.ID, u.SiteID, false
		return
	}
	client := strings.TrimSpace(names.Client)
	if client == "" {
		client = fmt.Sprintf("client %d", t.ClientID)
	}
	why := fmt.Sprintf("no HaloPSA user of %s matches it", client)
	if how == UserAmbiguous {
		why = fmt.Sprintf("several HaloPSA users of %s match it equally, so none was chosen", client)
	}
	t.DetailsHTML = fmt.Sprintf("<p>The alert names %s; %s. The ticket is filed on the site's General User.</p>\n",
		html.EscapeString(named[0]), html.EscapeString(why)) + t.DetailsHTML
}
