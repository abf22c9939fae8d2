// Package gzsim is an in-memory Bitdefender GravityZone cloud instance: the JSON-RPC Public
// API (companies, licensing, incidents, push settings) with GravityZone's quirks and errors,
// and an Event Push Service that POSTs realistic addEvents batches, built from its own
// seeded partner tree, to the URL a client registered. halobridge's tests, demo and
// benchmarks use it in place of a real GravityZone.
//
// The handler serves POST /api/{version}/jsonrpc/{service}: 405 for other methods, 401 for
// a wrong key (Basic, key as user, empty password), 429 with Retry-After and -32003 past
// the key's requests per second, 403 for a service not enabled on the key, and every other
// failure as HTTP 200 with error{code, message, data.details}.
//
// To run it standalone, serve New(Options{}) and start Run in the background:
//
//	sim := gzsim.New(gzsim.Options{Seed: 1})
//	go sim.Run(ctx)
//	http.ListenAndServe("127.0.0.1:8082", sim)
//
// then point a GravityZone connection at access URL http://127.0.0.1:8082/api with API key
// gz-sim-key. Once a client calls push.setPushEventSettings, Run pushes a batch every
// PushEvery; sendTestPushEvent pushes one test event at once. Like GravityZone, it counts
// every answer but HTTP 200 as a failed message and turns the push off (status 0) after
// more than 100 of them, or 10800 s without a 200, until a client calls
// setPushEventSettings again.
//
// Incidents can be written as the incidents API describes: changeIncidentStatus (status 1
// open, 2 investigating, 3 closed, 4 false positive; v1.0 and v1.1) and updateIncidentNote
// (one note per incident, 1 to 50,000 characters; v1.0 and v1.1), each naming the incident's
// type in the plural, and getIncident (v1.2) reads one back with its note in notes[].
//
// InjectOutage makes a method (or every method) fail as GravityZone fails on its side, with
// a JSON-RPC server error, for a number of calls or until EndOutages.
package gzsim
