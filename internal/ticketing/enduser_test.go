package ticketing_test

import (
	"strings"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

// staff are the HaloPSA users of client 57 (Contoso): site 12 is the mapped
// site, site 13 a branch office.
var staff = []ticketing.HaloUser{
	{ID: 100, Name: "General User", SiteID: 12, General: true},
	{ID: 101, Name: "Jane Doe", Email: "jane.doe@contoso.com", Login: "CONTOSO\\jdoe", SiteID: 12},
	{ID: 102, Name: "Bob Smith", Email: "bob@contoso.com", Login: "bsmith@contoso.onmicrosoft.com", SiteID: 12},
	{ID: 103, Name: "Chris Lee", Email: "chris@contoso.com", SiteID: 12},
	{ID: 104, Name: "Chris Lee", Email: "c.lee@contoso.com", SiteID: 12},
	{ID: 105, Name: "Ann Kim", Email: "ann@contoso.com", SiteID: 13},
	{ID: 106, Name: "Ann Kim", Email: "ann.kim@contoso.com", SiteID: 12},
	{ID: 107, Name: "Pat Roe", Email: "pat@branch.contoso.com", SiteID: 13},
	{ID: 108, Name: "Sam Hill", Email: "sam@contoso.com", SiteID: 12},
	{ID: 109, Name: "Sam Hill", Email: "sam@contoso.com", SiteID: 12},
}

func TestMatchUser(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		named  []string
		siteID int
		want   int
		how    ticketing.UserMatch
	}{
		{"exact e-mail", []string{"jane.doe@contoso.com"}, 12, 101, ticketing.UserMatched},
		{"e-mail ignores case and spaces", []string{"  Jane.Doe@CONTOSO.com "}, 12, 101, ticketing.UserMatched},
		{"UPN in the login", []string{"bsmith@contoso.onmicrosoft.com"}, 12, 102, ticketing.UserMatched},
		{"DOMAIN\\user in the login", []string{"CONTOSO\\jdoe"}, 12, 101, ticketing.UserMatched},
		{"DOMAIN\\user against a UPN's account", []string{"CONTOSO\\bsmith"}, 12, 102, ticketing.UserMatched},
		{"bare account against an e-mail's local part", []string{"chris"}, 12, 103, ticketing.UserMatched},
		{"an address's account matches a DOMAIN\\user login", []string{"jdoe@contoso.com"}, 12, 101, ticketing.UserMatched},
		{"an address of another domain is not an account", []string{"jane.doe@fabrikam.com"}, 12, 0, ticketing.UserNotFound},
		{"full name", []string{"Bob Smith"}, 12, 102, ticketing.UserMatched},
		{"the address comes before the name", []string{"Chris Lee", "c.lee@contoso.com"}, 12, 104, ticketing.UserMatched},
		{"same name on two sites: the mapped site wins", []string{"Ann Kim"}, 12, 106, ticketing.UserMatched},
		{"same name on two sites, the other mapped", []string{"Ann Kim"}, 13, 105, ticketing.UserMatched},
		{"another site's user when the mapped site has none", []string{"Pat Roe"}, 12, 107, ticketing.UserMatched},
		{"no mapped site: any site", []string{"pat@branch.contoso.com"}, 0, 107, ticketing.UserMatched},
		{"ambiguous name on one site", []string{"Chris Lee"}, 12, 0, ticketing.UserAmbiguous},
		{"ambiguous name without a site", []string{"Ann Kim"}, 0, 0, ticketing.UserAmbiguous},
		{"ambiguous e-mail does not fall back to the name", []string{"sam@contoso.com", "Sam Hill"}, 12, 0, ticketing.UserAmbiguous},
		{"missing user", []string{"zoe@contoso.com", "Zoe Park"}, 12, 0, ticketing.UserNotFound},
		{"a General User is never matched", []string{"General User"}, 12, 0, ticketing.UserNotFound},
		{"a SID matches nobody", []string{"S-1-5-21-3623811015-3361044348-30300820-1013"}, 12, 0, ticketing.UserNotFound},
		{"no name", nil, 12, 0, ticketing.UserNotFound},
		{"blank name", []string{"  "}, 12, 0, ticketing.UserNotFound},
		{"a domain alone is no account", []string{"CONTOSO\\"}, 12, 0, ticketing.UserNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, how := ticketing.MatchUser(c.named, staff, c.siteID)
			if how != c.how || got.ID != c.want {
				t.Errorf("MatchUser(%q, site %d) = user %d, %v; want user %d, %v", c.named, c.siteID, got.ID, how, c.want, c.how)
			}
		})
	}
}

func TestNamedUser(t *testing.T) {
	t.Parallel()
	a := source.Alert{Source: source.DefensX, User: "u-77", Facts: map[string]string{"login": "CONTOSO\\jdoe", "user_id": "u-77"}}
	got := ticketing.NamedUser(a, ticketing.Names{User: "Jane Doe", UserEmail: "jane.doe@contoso.com"})
	want := []string{"jane.doe@contoso.com", "CONTOSO\\jdoe", "u-77", "Jane Doe"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("NamedUser = %q, want %q", got, want)
	}
	if got := ticketing.NamedUser(source.Alert{Facts: map[string]string{"email": "A@x.com", "login": "a@X.com"}}, ticketing.Names{}); len(got) != 1 {
		t.Errorf("NamedUser kept %q; one address named twice is one name", got)
	}
}

func TestDecideFilesOnEndUser(t *testing.T) {
	t.Parallel()
	input := func(user string, on bool) ticketing.Input {
		a := avAlert()
		a.User = user
		p := validPolicy()
		p.MatchEndUser = on
		return ticketing.Input{
			Alert: a, Policy: p, Now: t0, EndUsers: staff,
			Mapping: ticketing.MappingState{Mapped: true, ClientID: 57, SiteID: 12, Ticketing: true},
			Names:   ticketing.Names{Client: "Contoso"},
		}
	}
	const notFound = "<p>The alert names zoe@contoso.com; no HaloPSA user of Contoso matches it. The ticket is filed on the site's General User.</p>\n"
	const ambiguous = "<p>The alert names Chris Lee; several HaloPSA users of Contoso match it equally, so none was chosen. The ticket is filed on the site's General User.</p>\n"
	cases := []struct {
		name           string
		in             ticketing.Input
		userID, siteID int
		general        bool
		lead           string
	}{
		{"known user", input("CONTOSO\\jdoe", true), 101, 12, false, ""},
		{"known user on another site takes that site", input("pat@branch.contoso.com", true), 107, 13, false, ""},
		{"unknown user", input("zoe@contoso.com", true), 0, 12, true, notFound},
		{"ambiguous user", input("Chris Lee", true), 0, 12, true, ambiguous},
		{"no user named", input("", true), 0, 12, true, ""},
		{"matching off", input("CONTOSO\\jdoe", false), 0, 12, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := ticketing.Decide(c.in)
			if d.Action != ticketing.ActionCreate {
				t.Fatalf("action %v (%s), want create", d.Action, d.Reason)
			}
			tk := d.Ticket
			if tk.UserID != c.userID || tk.SiteID != c.siteID || tk.UseGeneralUser != c.general {
				t.Errorf("user %d site %d general %v; want user %d site %d general %v", tk.UserID, tk.SiteID, tk.UseGeneralUser, c.userID, c.siteID, c.general)
			}
			hasLead := strings.HasPrefix(tk.DetailsHTML, "<p>The alert names")
			if c.lead != "" && !strings.HasPrefix(tk.DetailsHTML, c.lead) || c.lead == "" && hasLead {
				t.Errorf("body begins %.200q; want the lead %q", tk.DetailsHTML, c.lead)
			}
		})
	}

	// A fallback client is not the alert's company: its users are not looked at.
	in := input("CONTOSO\\jdoe", true)
	in.Mapping, in.FallbackClientID = ticketing.MappingState{}, 99
	if d := ticketing.Decide(in); d.Ticket == nil || d.Ticket.UserID != 0 || !d.Ticket.UseGeneralUser {
		t.Errorf("an unmapped customer's ticket on the fallback client went to user %+v", d.Ticket)
	}
}

func TestValidateMatchEndUserOverride(t *testing.T) {
	t.Parallel()
	p := validPolicy()
	p.MatchEndUser = true
	if errs := ticketing.Validate(p, testCatalog()); len(errs) != 0 {
		t.Fatalf("a policy matching end users is refused: %v", errs)
	}
	p.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {MatchEndUser: true}}
	errs := ticketing.Validate(p, testCatalog())
	if len(errs) != 1 || errs[0].Field != "sources.defensx.match_end_user" {
		t.Errorf("Validate = %v; want one problem on sources.defensx.match_end_user", errs)
	}
}
