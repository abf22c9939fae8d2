package halosim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// seed fills a new simulator with a small MSP's Halo: configuration first (fixed), then
// clients, sites, users, invoices and tickets drawn from Options.Seed.
func seed(s *Sim) {
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x4a10))
	seedConfiguration(s.db)
	seedAgents(s.db)
	seedSuppliers(s.db)
	seedItems(s.db)
	for _, t := range []struct {
		table string
		first int
	}{{"client", 101}, {"site", 501}, {"user", 1001}, {"ticket", 3001}, {"invoice", 94}, {"invoiceline", 24960}, {"schedule", 150}, {"link", 2300}} {
		s.db.reserveID(t.table, t.first-1)
	}
	names := seedNames(r, s.opts.Clients)
	for i, name := range names {
		seedClient(s, r, i, name)
	}
	seedInvoices(s, r)
	seedTickets(s, r)
	seedAssetTypes(s.db)
	seedAssets(s)
}

func seedConfiguration(db *store) {
	db.toplevels[1] = "Managed Clients"
	db.toplevels[2] = "Break-Fix Clients"
	for _, t := range []Team{
		{ID: 1, Name: "1st Line Support", Sequence: 1},
		{ID: 2, Name: "2nd Line Support", Sequence: 2},
		{ID: 3, Name: "Security Operations", Sequence: 3, EmailAddress: "soc@northpoint-it.example"},
		{ID: 4, Name: "Projects", Sequence: 4, ForProjects: true},
		{ID: 5, Name: "Legacy Helpdesk", Sequence: 5, Inactive: true},
	} {
		t.ForRequests, t.DepartmentID, t.DepartmentName = true, 1, "Service Desk"
		t.GUID = fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", t.ID)
		db.teams[t.ID] = t
	}
	db.reserveID("team", 5)
	for i, st := range []Status{
		{ID: 1, Name: "New", ShortName: "New", Colour: "#2bd3c6"},
		{ID: 2, Name: "In Progress", ShortName: "Prog", Colour: "#3e7fd8"},
		{ID: 3, Name: "Action Required", ShortName: "Act", Colour: "#e8a33d"},
		{ID: 4, Name: "Waiting on User", ShortName: "Wait", Colour: "#a36ad6"},
		{ID: 5, Name: "With Supplier", ShortName: "Supp", Colour: "#8d8d8d"},
		{ID: closedStatusID, Name: "Closed", ShortName: "Closed", Colour: "#5cb85c"},
	} {
		st.Type, st.Sequence = 1, i+1
		db.statuses[st.ID] = st
	}
	priorities := [][4]string{{"Critical", "High", "Medium", "Low"}, {"P1 - Critical", "P2 - High", "P3 - Normal", "P4 - Low"}, {"Critical Threat", "High Threat", "Medium Threat", "Low Threat"}}
	for i, name := range []string{"Standard SLA", "Premium SLA", "Security SLA"} {
		sla := SLA{ID: i + 1, GUID: fmt.Sprintf("51a00000-0000-4000-8000-%012d", i+1), Name: name, WorkdayID: 1, WorkdayName: "Office Hours", TrackSLAResponseTime: true, TrackSLAFixByTime: true}
		for p, pname := range priorities[i] {
			hours := []float64{1, 4, 8, 24}[p] / float64(i+1)
			sla.Priorities = append(sla.Priorities, Priority{
				ID:    fmt.Sprintf("7a1e0000-0000-4000-8000-%06d%06d", sla.ID, p+1),
				SLAID: sla.ID, PriorityID: p + 1, Name: pname, ResponseTime: hours / 2, ResponseUnits: "h",
				FixTime: hours * 4, FixUnits: "h", Colour: []string{"#d9534f", "#f0ad4e", "#5bc0de", "#5cb85c"}[p],
			})
		}
		db.slas[sla.ID] = sla
	}
	for _, tt := range []TicketType{
		{ID: 1, Name: "Incident", ITILRequestType: 1, DefaultSLA: 1, DefaultPriority: 3, DefaultTeam: "1st Line Support"},
		{ID: 3, Name: "Service Request", ITILRequestType: 3, DefaultSLA: 1, DefaultPriority: 4, DefaultTeam: "1st Line Support"},
		{ID: 4, Name: "Change Request", ITILRequestType: 4, DefaultSLA: 1, DefaultPriority: 3, DefaultTeam: "2nd Line Support", ApprovalProcessID: 1, ApprovalProcessName: "CAB Approval"},
		{ID: 6, Name: "Internal Task", ITILRequestType: 1, DefaultSLA: -1, DefaultPriority: 4, DefaultTeam: "2nd Line Support"},
		{ID: 21, Name: "Security Alert", ITILRequestType: 1, DefaultSLA: 3, DefaultPriority: 2, DefaultTeam: "Security Operations", DefaultCategory1: "Security"},
	} {
		tt.GroupID, tt.Visible, tt.AgentsCanSelect, tt.EndUsersCanSelect = 1, true, true, tt.ID != 6
		tt.WorkflowID, tt.InitialStatus, tt.DefaultAgent = 1, 1, unassignedAgentID
		db.ticketTypes[tt.ID] = tt
	}
	db.ticketTypes[strictTypeID] = strictTicketType()
	for i, v := range []string{"Security", "Security>Malware", "Security>Phishing", "Security>Web Filtering", "Hardware", "Software", "Network", "Accounts & Access"} {
		db.categories[i+1] = Category{ID: i + 1, Value: v, TypeID: 1, SLAID: -1, PriorityID: -1}
	}
	for i, v := range []string{"Workstation", "Server", "Firewall", "Microsoft 365"} {
		db.categories[20+i] = Category{ID: 20 + i, Value: v, TypeID: 2, SLAID: -1, PriorityID: -1}
	}
	for _, o := range []Outcome{
		{ID: openingOutcomeID, Outcome: "Logged", Hidden: true, SystemID: 1},
		{ID: 2, Outcome: "Email User", SendEmail: 1},
		{ID: 3, Outcome: "Phone Call"},
		{ID: 7, Outcome: "Internal Note", HideFromUser: true},
		{ID: 21, Outcome: "Close Ticket", NewStatus: closedStatusID},
		{ID: 23, Outcome: "Remote"},
		{ID: 55, Outcome: "Private Note", HideFromUser: true},
		{ID: RestrictedOutcomeID, Outcome: "Email User (restricted)", SendEmail: 1, restricted: true},
	} {
		o.ButtonName, o.LabelLong, o.Sequence = o.Outcome, o.Outcome, o.ID
		db.outcomes[o.ID] = o
	}
	for _, l := range []Lookup{
		{ID: 0, Name: "Email"}, {ID: manualSourceID, Name: "Manual"}, {ID: 2, Name: "Phone"}, {ID: 3, Name: "Web Portal"},
		{ID: 4, Name: "Live Chat"}, {ID: 5, Name: "API Integration"}, {ID: -9, Name: "Ninja RMM"},
	} {
		l.LookupID = lookupRequestSources
		db.lookups = append(db.lookups, l)
	}
}

// seedAgents: 1 is Unassigned, 2 the administrator, then technicians, the API-only agent the
// default application logs in as, and a disabled former technician.
func seedAgents(db *store) {
	member := func(ids ...int) []AgentTeam {
		var out []AgentTeam
		for _, id := range ids {
			out = append(out, AgentTeam{TeamID: id})
		}
		return out
	}
	agents := []Agent{
		{ID: unassignedAgentID, Name: "Unassigned"},
		{ID: 2, Name: "Admin", FirstName: "Admin", Email: "admin@northpoint-it.example", IsAdmin: true, Team: "2nd Line Support", Teams: member(1, 2, 3, 4)},
		{ID: 3, Name: "Sarah Mitchell", FirstName: "Sarah", Surname: "Mitchell", JobTitle: "Service Desk Analyst", Team: "1st Line Support", Teams: member(1)},
		{ID: 4, Name: "James O'Connor", FirstName: "James", Surname: "O'Connor", JobTitle: "Service Desk Analyst", Team: "1st Line Support", Teams: member(1)},
		{ID: 5, Name: "Priya Natarajan", FirstName: "Priya", Surname: "Natarajan", JobTitle: "Senior Engineer", Team: "2nd Line Support", Teams: member(2, 4)},
		{ID: 6, Name: "Lukas Schäfer", FirstName: "Lukas", Surname: "Schäfer", JobTitle: "Security Analyst", Team: "Security Operations", Teams: member(2, 3)},
		{ID: 7, Name: "Halo Integrator", FirstName: "Halo", Surname: "Integrator", Email: "halointegrator@northpoint-it.example", IsAPIAgent: true, IsAdmin: true, Team: "Security Operations", Teams: member(1, 2, 3, 4)},
		{ID: 8, Name: "Daniel Price", FirstName: "Daniel", Surname: "Price", JobTitle: "Former Technician", IsDisabled: true, Team: "1st Line Support", Teams: member(1)},
	}
	for _, a := range agents {
		if a.Email == "" && a.Surname != "" {
			a.Email = strings.ToLower(asciiFold(a.FirstName+"."+strings.ReplaceAll(a.Surname, "'", ""))) + "@northpoint-it.example"
		}
		a.IsAgent, a.Colour = a.ID != unassignedAgentID, "#2bd3c6"
		a.Initials = initials(a.Name)
		db.agents[a.ID] = a
	}
	db.apiAgentID = 7
	db.reserveID("agent", len(agents))
}

func seedItems(db *store) {
	for _, it := range []Item{
		{ID: 1401, Name: "Endpoint Security", Description: "Endpoint protection, per device per month", RecurringPrice: 4.5, RecurringCost: 2.1, IsRecurringItem: true},
		{ID: 1402, Name: "EDR Add-on", Description: "Endpoint detection and response add-on, per device per month", RecurringPrice: 2, RecurringCost: 0.9, IsRecurringItem: true},
		{ID: 1403, Name: "Web Security", Description: "DNS and web filtering, per user per month", RecurringPrice: 3, RecurringCost: 1.2, IsRecurringItem: true},
		{ID: 1404, Name: "Email Security", Description: "Mailbox protection, per mailbox per month", RecurringPrice: 3.5, RecurringCost: 1.5, IsRecurringItem: true},
		{ID: 1405, Name: "Managed Backup", Description: "Cloud backup, per protected server per month", RecurringPrice: 25, RecurringCost: 11, IsRecurringItem: true},
		{ID: 1406, Name: "Managed Services - Gold", Description: "Fully managed IT support", RecurringPrice: 825, RecurringCost: 400, IsRecurringItem: true},
		{ID: 1407, Name: "Onsite Support Hour", Description: "Engineer on site, per hour", BasePrice: 95, CostPrice: 40},
		{ID: 1408, Name: "Laptop - Dell Latitude 5440", BasePrice: 1100, CostPrice: 890, SupplierID: seedSupplierDell},
		{ID: 1409, Name: "Firewall Appliance FG-60F", BasePrice: 650, CostPrice: 480, SupplierID: seedSupplierFortinet},
	} {
		it.NominalCode, it.TaxCode, it.AccountsID = "4000", 5, fmt.Sprintf("ITEM-%d", it.ID)
		if it.IsRecurringItem {
			it.BasePrice, it.CostPrice = it.RecurringPrice, it.RecurringCost
		}
		db.items[it.ID] = it
	}
	db.reserveID("item", 1409)
}

// seedNames picks n distinct company names in a seeded order: the core names when n allows,
// then the other curated ones, then made-up "<stem> <trade> <legal form>" names.
func seedNames(r *rand.Rand, n int) []string {
	rest := slices.Clone(seedCompanyNames)
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	names := append(slices.Clone(seedCoreCompanyNames), rest...)
	seen := map[string]bool{}
	for _, nm := range names {
		seen[nm] = true
	}
	for len(names) < n {
		nm := fmt.Sprintf("%s %s %s", seedNameStems[r.IntN(len(seedNameStems))], seedNameTrades[r.IntN(len(seedNameTrades))], seedLegalForms[r.IntN(len(seedLegalForms))])
		if !seen[nm] {
			seen[nm] = true
			names = append(names, nm)
		}
	}
	names = names[:n]
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	return names
}

// Which seeded clients and sites are special, by the client's position, so every seed has
// them: a few inactive clients and a few sites without a General User.
func seedInactive(i int) bool        { return i%13 == 6 }
func seedMainWithoutGU(i int) bool   { return i%17 == 3 }
func seedSecondWithoutGU(i int) bool { return i%13 == 9 }

func seedClient(s *Sim, r *rand.Rand, i int, name string) {
	db := s.db
	domain := seedDomain(name)
	created := time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(1800))
	// A seeded instance has been in use for years: its records were last changed when created,
	// or now for a clock set before that.
	changed := created
	if now := s.now(); now.Before(changed) {
		changed = now
	}
	cl := Client{
		ID: db.nextID("client"), Name: name, ToplevelID: 1,
		Inactive: seedInactive(i), Colour: "#7a7a7a", AccountsID: fmt.Sprintf("C-%05d", 100+i),
		DateCreated: haloTime(created), LastUpdate: haloTime(changed), CustomerType: 1, Taxable: true, IsVIP: r.IntN(10) == 0,
	}
	if r.IntN(4) == 0 {
		cl.ToplevelID = 2
	}
	if r.IntN(6) != 0 {
		cl.Website = "https://www." + domain
	}
	siteCount := 1 + r.IntN(3)
	switch i {
	case 0:
		siteCount = 2
	case 1:
		siteCount = 3
	}
	names := append([]string{"Main"}, seedSiteNames...)
	r.Shuffle(len(names)-1, func(a, b int) { names[a+1], names[b+1] = names[b+1], names[a+1] })
	for si := range siteCount {
		st := Site{ID: db.nextID("site"), Name: names[si], ClientID: float64(cl.ID), SLAID: -1, EmailDomain: domain, LastUpdate: cl.LastUpdate,
			PhoneNumber: fmt.Sprintf("+44 161 %03d %04d", r.IntN(1000), r.IntN(10000)), Timezone: "GMT Standard Time"}
		withGU := !(si == 0 && seedMainWithoutGU(i)) && !(si == 1 && seedSecondWithoutGU(i))
		if withGU {
			gu := User{ID: db.nextID("user"), Name: generalUserName, FirstName: "General", Surname: "User", SiteID: float64(st.ID), LastUpdate: cl.LastUpdate}
			db.users[gu.ID] = gu
		}
		for range 1 + r.IntN(4) {
			u := seedContact(r, domain)
			u.ID, u.SiteID, u.LastUpdate = db.nextID("user"), float64(st.ID), cl.LastUpdate
			db.users[u.ID] = u
			if st.MainContactID == 0 {
				st.MainContactID = u.ID
			}
		}
		db.sites[st.ID] = st
		if si == 0 {
			cl.MainSiteID = st.ID
		}
	}
	db.clients[cl.ID] = cl
}

func seedContact(r *rand.Rand, domain string) User {
	first := seedFirstNames[r.IntN(len(seedFirstNames))]
	last := seedSurnames[r.IntN(len(seedSurnames))]
	local := strings.ToLower(asciiFold(first + "." + strings.NewReplacer("'", "", " ", "").Replace(last)))
	return User{
		Name: first + " " + last, FirstName: first, Surname: last, Initials: initials(first + " " + last),
		EmailAddress: local + "@" + domain, Login: local, PhoneNumber: fmt.Sprintf("+44 7700 %06d", r.IntN(1000000)),
		Title: []string{"Office Manager", "Director", "Accounts", "Reception", "Operations Lead", ""}[r.IntN(6)],
	}
}

// seedInvoices gives about two thirds of the clients a monthly recurring invoice (the second
// one disabled); the rest have none, which billing has to report.
func seedInvoices(s *Sim, r *rand.Rand) {
	db := s.db
	now := s.now()
	recurring := []int{1401, 1402, 1403, 1404, 1405, 1406}
	for i, cl := range sortedValues(db.clients) {
		if i%3 == 2 {
			continue
		}
		inv := RecurringInvoice{
			ID: db.nextInvoiceID(), ClientID: cl.ID, InvoiceNumber: "0", ScheduleDate: emptyDate, Currency: "£",
			Notes1: cl.Name + " IT Support", Reference: "Monthly Billing", IsRecurringInvoice: true,
			ScheduleID: db.nextID("schedule"), Period: monthlyPeriod,
			LastCreated:      haloTime(firstOfNextMonth(now).AddDate(0, -1, 0).Add(-time.Hour)),
			NextCreationDate: haloTime(firstOfNextMonth(now).Add(-time.Hour)),
			Disabled:         len(db.invoices) == 1,
		}
		picked := map[int]bool{}
		for seq := range 1 + r.IntN(3) {
			itemID := recurring[r.IntN(len(recurring))]
			if seq == 0 {
				itemID = 1401
			}
			if picked[itemID] {
				continue
			}
			picked[itemID] = true
			it := db.items[itemID]
			qty := float64(5 + r.IntN(76))
			if itemID == 1406 {
				qty = 1
			}
			inv.Lines = append(inv.Lines, InvoiceLine{
				ID: db.nextID("invoiceline"), ItemID: it.ID, ItemCode: it.AccountsID, ItemShortDescription: it.Name,
				ItemLongDescription: it.Description, NominalCode: it.NominalCode, TaxCode: "5", QtyOrder: qty,
				UnitPrice: it.RecurringPrice, UnitCost: it.RecurringCost, TaxRate: 20, SequenceID: seq + 1,
				ContractID: -1, AssetID: -1, StartDate: emptyDate, EndDate: emptyDate,
			})
		}
		db.invoices[inv.ID] = priced(inv)
	}
}

// seedTickets logs about one ticket per two clients through the same path as the API, as agents.
func seedTickets(s *Sim, r *rand.Rand) {
	now := s.now()
	clients := sortedValues(s.db.clients)
	for n := range len(clients) / 2 {
		cl := clients[r.IntN(len(clients))]
		if _, ok := s.generalUserOf(cl.MainSiteID); !ok || cl.Inactive {
			continue
		}
		agent := s.db.agents[3+r.IntN(4)]
		body := map[string]any{
			"summary": seedTicketSummaries[r.IntN(len(seedTicketSummaries))], "details": "Reported by phone.",
			"client_id": cl.ID, "tickettype_id": []int{1, 1, 3, 21}[r.IntN(4)], "status_id": []int{1, 2, 4, closedStatusID}[r.IntN(4)],
			"agent_id": agent.ID, "source": 2, "dateoccurred": haloTime(now.Add(-time.Duration(n*7+r.IntN(7)) * 24 * time.Hour)),
		}
		raw, _ := json.Marshal(body)
		var o map[string]json.RawMessage
		_ = json.Unmarshal(raw, &o)
		_, _, _ = s.createTicket(&call{caller: caller{agent: agent}}, lowerKeys(o))
	}
}

// seedDomain makes a web domain from a company name: ASCII, no legal form, a country TLD.
func seedDomain(name string) string {
	tld, base, matched := ".com", name, ""
	for form, d := range seedDomainByForm {
		if strings.HasSuffix(name, " "+form) && len(form) > len(matched) {
			tld, base, matched = d, strings.TrimSuffix(name, " "+form), form
		}
	}
	var b strings.Builder
	for _, c := range strings.ToLower(asciiFold(base)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String() + tld
}

// asciiFold replaces the accented letters the seed names use with plain ones.
func asciiFold(s string) string {
	return strings.NewReplacer(
		"ä", "a", "á", "a", "à", "a", "â", "a", "ã", "a", "å", "a", "Å", "A", "Ä", "A", "æ", "ae",
		"é", "e", "è", "e", "ê", "e", "É", "E", "ë", "e", "í", "i", "ï", "i", "ñ", "n",
		"ó", "o", "ö", "o", "ô", "o", "ø", "o", "Ø", "O", "ō", "o", "Ö", "O", "ú", "u", "ü", "u", "Ü", "U",
		"ç", "c", "ß", "ss", "ł", "l", "Ł", "L", "ř", "r", "ą", "a", "ę", "e", "ś", "s", "ź", "z", "ż", "z",
	).Replace(s)
}

func initials(name string) string {
	var b strings.Builder
	for f := range strings.FieldsSeq(name) {
		b.WriteString(strings.ToUpper(string([]rune(f)[:1])))
	}
	return b.String()
}

// strictTypeID is the seeded ticket type that, like the ones Huntress warns about, "enforces
// required fields without defaults (Category, Impact, Urgency)": here category and impact.
const strictTypeID = 22

func strictTicketType() TicketType {
	tt := TicketType{
		ID: strictTypeID, Name: "Security Incident (strict)", ITILRequestType: 1, DefaultSLA: 3, DefaultPriority: 2,
		DefaultTeam: "Security Operations", GroupID: 1, Visible: true, AgentsCanSelect: true, EndUsersCanSelect: true,
		WorkflowID: 1, InitialStatus: 1, DefaultAgent: unassignedAgentID, HasMandatoryTechFields: true,
	}
	for i, f := range []struct {
		id          int
		name, label string
		techNew     int
	}{
		{1, "summary", "Summary", techNewMandatory},
		{2, "category_1", "Category", techNewMandatory},
		{3, "impact", "Impact", techNewMandatory},
		{4, "urgency", "Urgency", 1},
	} {
		tt.Fields = append(tt.Fields, RequestTypeField{
			ID: 100 + i, RTID: tt.ID, FieldID: f.id, FieldName: f.label, Seq: i + 1, TechNew: f.techNew,
			FieldInfo: FieldInfo{ID: f.id, Name: f.name, Label: f.label, FaultsFieldName: f.name},
		})
	}
	return tt
}
