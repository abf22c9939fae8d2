// Package halosim is an in-memory HaloPSA instance that speaks Halo's REST API: the OAuth2
// authorisation server under /auth and the resource server under /api, with the paths, JSON
// shapes, status codes, error bodies and quirks of a hosted Halo. It backs the "halobridge sim
// halo" command, the demo and the benchmarks, and the HaloPSA client is tested against it.
//
// Start one with New and serve it (it is an http.Handler); DefaultClientID/DefaultClientSecret
// get client-credentials tokens and DefaultPublicClientID runs the authorization-code + PKCE
// login. Tests set scenes with the mutators (UpdateClient, DeleteUser, SetScopes, InjectFault,
// ...) and assert on what Halo holds through the accessors (Tickets, Actions, RecurringInvoice,
// Requests, ...), never on what a client believes it sent.
//
// # Mandatory fields
//
// A ticket type can mark fields mandatory on the agent's new-ticket screen (fields[].technew 3,
// or fieldinfo.mandatory) as HaloPSA does; GET /api/TicketType/{id}?includedetails=true lists
// them, and POST /api/Tickets refuses with 400 a new ticket of that type that leaves one empty
// once the type's defaults are applied. Ticket type 22, "Security Incident (strict)", is seeded
// requiring Category and Impact without defaults, for the demo to show the check.
//
// # Trouble
//
// Besides faults injected for one test (InjectFault), the simulator can misbehave at random
// as a struggling HaloPSA does (Trouble): fail a share of writes with 500 before applying
// them, apply a share and then lose the answer (500 or a dropped connection), add latency to
// every answer, or refuse every request. "halobridge sim halo" and the demo set it with
// flags, and GET and PUT /_sim/trouble read and change it while the simulator runs (a path
// of the simulator's own, beside HaloPSA's /api and /auth).
//
// # Webhooks
//
// /api/Webhook keeps outbound webhooks (GUID ids, created and updated by POSTing an array,
// basic_password and authentication_header never read back) and /api/WebhookEvent is their
// delivery log, newest first. A change to a ticket made through the API or a mutator
// (created, status changed, closed, action added) fires the webhooks subscribed to that
// event (events[].eventno) with the payload type each asks for: the full ticket, a small
// ticket, or the event's info only; every payload carries the delivery's id (kept on retries),
// webhook_id, notification_id, escmsg_id, event, object_id and timestamp. Deliveries go out
// through Options.WebhookClient with Basic, bearer or API-key authentication, are retried
// with a doubling backoff, can be batched (batch_method 2: batch_limit payloads, or what came
// within batch_delay_seconds, as one JSON array), and disable their webhook after
// auto_disable_attempts deliveries in a row failed every attempt.
//
// # Web view
//
// At its root, where a hosted Halo serves its agent UI, the simulator shows what it holds as
// read-only web pages: tickets with their actions, clients with their sites, users, tickets
// and recurring invoices, and recurring invoices with their lines. Three addresses are
// HaloPSA's own, so that links meant for a real Halo open here too: /ticket?id=N,
// /customers?clientid=N and /recurringinvoice?id=N. The lists are the simulator's choice: /
// (tickets, newest first), /customers and /recurringinvoices. Being a simulator's window, the
// view needs no sign-in or token, is not logged among the Requests, spends none of the rate
// limit and ignores faults and trouble, so the state stays visible while the API misbehaves.
// Every value is escaped, and notes written in HTML are shown as their text.
//
// # Effective access
//
// Halo grants a request what both the application's permissions and its agent allow. The
// simulator models that as follows. A token carries the requested scopes that the application
// has ("all" = every scope; "all:standard" = every read:/edit: scope, not admin or all:teams;
// edit:X implies read:X; no scope requested = nothing granted, as on the live API). Each
// request is then checked against the token's scopes, narrowed to the application's current
// scopes (so SetScopes takes effect at once), and "admin" counts only when the agent the
// application logs in as is an administrator. Areas need:
//
//	Client, Site, Users                      read:customers / edit:customers
//	Tickets, Actions, Status, TicketType,
//	SLA, Priority, Category, Outcome, Lookup read:tickets / edit:tickets
//	Item, Supplier                           read:items / edit:items
//	RecurringInvoice (and its Lines)         read:invoices / edit:invoices
//	ExternalLink                             read: or edit: customers or tickets
//	Agent, Team (read)                       all:teams or admin
//	Agent, Team, Application (write),
//	Application (read)                       admin
//	Webhook, WebhookEvent                    admin:webhooks
//	Agent/me, InstanceInfo                   any valid token; AuthInfo is anonymous
//
// A missing scope answers 403 {"ClassName":"System.Exception","Message":"You do not have
// permission to access this area (read:customers)"}, naming what is missing.
//
// # General User
//
// A user is its site's General User when its name is "General User" (any case): the record
// the DefensX guide tells MSPs to create when tickets fail. A ticket without a specific user
// goes to the General User of the site given, or of the client's main site; without one the
// answer is "Please select a valid Client/Site/User". Sites created through the API get a
// General User; a few seeded sites (and any whose General User is deleted) have none.
//
// # Conventions the live API leaves open
//
//   - Every successful POST answers 201 (observed for Tickets); GET and DELETE answer 200.
//   - A write array is processed in order and stops at the first refusal; earlier elements
//     stay saved.
//   - Lists are ordered by id. Without pageinate=true a wrapped list returns every row (or
//     count rows); with it, page_size defaults to 50, Tickets (and every wrapped list with
//     Options.PageCapAll) cap it at 100, and the echoed page_size is the one requested.
//   - Unknown query parameters are ignored, as ASP.NET does: GET /api/Tickets has no
//     third_party_id_string filter, so find tickets by third-party id with advanced_search
//     or /api/ExternalLink. The ExternalLink list key is "links" (unobserved). Array
//     filters (ticketids, requesttype: ticket types) take comma-separated ids.
//   - Hosted Halo's rate limit is one rolling window for the instance; whether it sends
//     Retry-After is unverified, so Options.NoRetryAfter turns the header off.
//   - GET /api/Agent leaves out the Unassigned agent (1) unless includeunassigned=true, as
//     well as API-only agents (includeapiagents) and disabled ones (includedisabled).
//   - A refresh token is checked before the client, so a revoked application's refresh token
//     answers invalid_grant while its other token requests answer invalid_client.
//   - hasbeenclosed follows the current status (9 = Closed), as integrations read it.
//   - Action ids count per ticket (the opening action is 1), so reading or deleting one
//     needs ticket_id.
//   - Halo also has read:suppliers and edit:suppliers scopes; which ones gate /api/Supplier is
//     unverified, and the simulator asks for the items scopes, which billing already needs.
//     Two suppliers may share a name.
//   - Clients, sites and users keep when they were last changed (alastupdate, slastupdate,
//     ulastupdate, the fields of Halo's schema), set on create and on every change, and their
//     lists keep those changed within lastupdatefromdate and lastupdatetodate (the document
//     declares both, describing them only as "(bool)"). Both ends are included; a date
//     without a zone is UTC, as Halo writes its dates; a value that is not a date filters
//     nothing. A link written through /api/ExternalLink does not change its record's last
//     update, and nor does a change to a record a list only names (a site's client_name).
//   - Recurring-invoice lines posted in lines[] replace the whole line set; a line that keeps
//     its id is stored exactly as sent, so fields left out are emptied ("always include the
//     full line").
package halosim
