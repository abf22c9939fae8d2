// Package push is halobridge's generic push API, for any security product that can call a
// JSON API: it defines the requests (customers, usage, alerts, resolutions), validates them
// strictly and turns them into source types. OpenAPI is the published contract; the HTTP
// handlers that authenticate the per-source bearer token and call these parsers live in
// the web layer.
package push
