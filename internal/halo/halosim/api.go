package halosim

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// call is one authenticated /api request as a handler sees it.
type call struct {
	r      *http.Request
	q      query
	caller caller
}

// resource is one /api/<Entity> area: the scopes it needs and its handlers (nil: not offered).
type resource struct {
	name        string
	read, edit  []string
	list        func(*call) reply
	get         func(*call, string) reply
	post        func(*call, []object) reply
	del         func(*call, string) reply
	subroutines map[string]subroute // /api/<Entity>/<name>, lower-cased
}

type subroute struct {
	method string
	scopes []string // nil: any valid token
	get    func(*call) reply
	post   func(*call, []object) reply
	// raw takes a body that is not an array of records (e.g. an array of ids).
	raw func(*call, []byte) reply
}

// routes lists every resource the simulator serves, keyed by lower-cased entity name.
func (s *Sim) routes() map[string]resource {
	list := []resource{
		{name: "Client", read: scopesReadCustomers, edit: scopesEditCustomers,
			list: s.listClients, get: s.getClient, post: s.postClients, del: s.deleteClient},
		{name: "Site", read: scopesReadCustomers, edit: scopesEditCustomers,
			list: s.listSites, get: s.getSite, post: s.postSites, del: s.deleteSite},
		{name: "Users", read: scopesReadCustomers, edit: scopesEditCustomers,
			list: s.listUsers, get: s.getUser, post: s.postUsers, del: s.deleteUser},
		{name: "Agent", read: scopesReadTeams, edit: scopesAdmin,
			list: s.listAgents, get: s.getAgent, post: s.postAgents,
			subroutines: map[string]subroute{"me": {method: http.MethodGet, scopes: scopesAnyValidBearer, get: s.agentMe}}},
		{name: "Team", read: scopesReadTeams, edit: scopesAdmin, list: s.listTeams, get: s.getTeam, post: s.postTeams},
		{name: "Status", read: scopesReadTickets, list: s.listStatuses, get: s.getStatus},
		{name: "TicketType", read: scopesReadTickets, list: s.listTicketTypes, get: s.getTicketType},
		{name: "SLA", read: scopesReadTickets, list: s.listSLAs, get: s.getSLA},
		{name: "Priority", read: scopesReadTickets, list: s.listPriorities},
		{name: "Category", read: scopesReadTickets, list: s.listCategories, get: s.getCategory},
		{name: "Outcome", read: scopesReadTickets, list: s.listOutcomes, get: s.getOutcome},
		{name: "Lookup", read: scopesReadTickets, list: s.listLookups},
		{name: "Tickets", read: scopesReadTickets, edit: scopesEditTickets,
			list: s.listTickets, get: s.getTicket, post: s.postTickets, del: s.deleteTicket},
		{name: "Actions", read: scopesReadTickets, edit: scopesEditTickets,
			list: s.listActions, get: s.getAction, post: s.postActions, del: s.deleteAction},
		{name: "Item", read: scopesReadItems, edit: scopesEditItems,
			list: s.listItems, get: s.getItem, post: s.postItems, del: s.deleteItem},
		{name: "Supplier", read: scopesReadItems, edit: scopesEditItems,
			list: s.listSuppliers, get: s.getSupplier, post: s.postSuppliers},
		{name: "RecurringInvoice", read: scopesReadInvoices, edit: scopesEditInvoices,
			list: s.listInvoices, get: s.getInvoice, post: s.postInvoices, del: s.deleteInvoice,
			subroutines: map[string]subroute{
				"lines":       {method: http.MethodPost, scopes: scopesEditInvoices, post: s.postInvoiceLines},
				"updatelines": {method: http.MethodPost, scopes: scopesEditInvoices, post: s.updateInvoiceLines},
				"process":     {method: http.MethodPost, scopes: scopesEditInvoices, raw: s.processInvoices},
			}},
		{name: "Invoice", read: scopesReadInvoices, list: s.listGenerated, get: s.getGenerated},
		{name: "ExternalLink", read: scopesReadLinks, edit: scopesEditLinks,
			list: s.listLinks, get: s.getLink, post: s.postLinks, del: s.deleteLink},
		{name: "Application", read: scopesAdmin, edit: scopesAdmin,
			list: s.listApplications, get: s.getApplication, post: s.postApplications, del: s.deleteApplication},
		{name: "Webhook", read: scopesWebhooks, edit: scopesWebhooks,
			list: s.listWebhooks, get: s.getWebhook, post: s.postWebhooks, del: s.deleteWebhook},
		{name: "WebhookEvent", read: scopesWebhooks, list: s.listWebhookEvents, get: s.getWebhookEvent},
		{name: "Asset", read: scopesReadAssets, edit: scopesEditAssets,
			list: s.listAssets, get: s.getAsset, post: s.postAssets, del: s.deleteAsset},
		{name: "AssetType", read: scopesReadAssets, list: s.listAssetTypes},
		{name: "InstanceInfo", list: s.instanceInfo},
	}
	out := make(map[string]resource, len(list))
	for _, res := range list {
		out[strings.ToLower(res.name)] = res
	}
	return out
}

// serveAPI routes /api requests (paths are case-insensitive); the store lock is held.
func (s *Sim) serveAPI(r *http.Request, body []byte) reply {
	rest := strings.Trim(strings.TrimPrefix(strings.ToLower(r.URL.Path), "/api"), "/")
	segs := strings.Split(rest, "/")
	if rest == "" || len(segs) > 2 {
		return reply{status: http.StatusNotFound}
	}
	if segs[0] == "authinfo" && len(segs) == 1 && r.Method == http.MethodGet {
		return s.authInfo(r)
	}
	who, rep, ok := s.authenticate(r)
	if !ok {
		return rep
	}
	res, found := s.resources[segs[0]]
	if !found {
		return reply{status: http.StatusNotFound}
	}
	c := &call{r: r, q: query{r.URL.Query()}, caller: who}
	one := len(segs) == 2
	var scopes []string
	var run func() reply
	sub, isSub := res.subroutines[segs[len(segs)-1]]
	switch method := r.Method; {
	case one && isSub && method == sub.method && sub.get != nil:
		scopes, run = sub.scopes, func() reply { return sub.get(c) }
	case one && isSub && method == sub.method && sub.raw != nil:
		scopes, run = sub.scopes, func() reply { return sub.raw(c, body) }
	case one && isSub && method == sub.method:
		scopes, run = sub.scopes, func() reply { return postBody(c, body, res.name, sub.post) }
	case method == http.MethodGet && !one && res.list != nil:
		scopes, run = res.read, func() reply { return res.list(c) }
	case method == http.MethodGet && one && res.get != nil:
		scopes, run = res.read, func() reply { return res.get(c, segs[1]) }
	case method == http.MethodPost && !one && res.post != nil:
		scopes, run = res.edit, func() reply { return postBody(c, body, res.name, res.post) }
	case method == http.MethodDelete && one && res.del != nil:
		scopes, run = res.edit, func() reply { return res.del(c, segs[1]) }
	default:
		return textReply(http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
	}
	if scopes != nil && !who.scopes.anyOf(scopes) {
		return forbidden(scopes)
	}
	return run()
}

// postBody decodes a write body (a JSON array in a JSON media type) and hands it to post.
func postBody(c *call, body []byte, entity string, post func(*call, []object) reply) reply {
	if rep, ok := checkJSONContentType(c.r); !ok {
		return rep
	}
	objs, rep, ok := decodeObjects(body, entity)
	if !ok {
		return rep
	}
	return post(c, objs)
}

// checkJSONContentType accepts the JSON media types Halo's API declares (API.md §2.1).
func checkJSONContentType(r *http.Request) (reply, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/json", mt == "application/json-patch+json", mt == "text/json",
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return reply{}, true
	}
	return haloError(http.StatusUnsupportedMediaType, "Send the body as application/json"), false
}

// parseID reads an integer record id from a path segment.
func parseID(seg string) (int, bool) {
	n, err := strconv.Atoi(seg)
	return n, err == nil
}

// saved answers a write: the saved record as one object when one was posted, else an array.
// Every successful write answers 201, as POST /api/Tickets does on the live API.
func saved[T any](records []T) reply {
	if len(records) == 1 {
		return jsonReply(http.StatusCreated, records[0])
	}
	return jsonReply(http.StatusCreated, nonNil(records))
}
