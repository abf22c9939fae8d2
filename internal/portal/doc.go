// Package portal is the web interface MSP partners use: the setup wizard
// that connects HaloPSA and a security platform and sets the billing and
// ticket policies, then the client mapping, ticketing, billing, events and
// sync pages, with charts drawn as inline SVG. Pages are rendered on the
// server with html/template; htmx, embedded with every other asset, makes
// the small parts of a page that change (sync progress, suggestions, the
// title preview) update in place. The pages of signing in, which auth
// serves, are drawn here too (SignInPages), in the same layout and
// stylesheet. The JSON API that serves the same setup, alerts and
// activity to programs is package api's, as is every route under /api/.
//
// The portal decides nothing itself: it calls the services that do
// (mapper, events, setup, ticketing delivery, billing runs, the job
// queue) with the partner the signed-in caller acts for, never one named
// in the request, and answers their errors with the status api.StatusOf
// gives.
package portal
