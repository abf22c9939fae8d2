// Package gravityzone connects halobridge to Bitdefender GravityZone: a JSON-RPC client for
// the Public API (companies, licensing, incidents, Event Push Service settings), a
// source.Source connector on top of it, and ParsePush, which turns what the Event Push
// Service sends into normalised alerts without any I/O.
//
// # Client
//
// Every call is POST <AccessURL>/<version>/jsonrpc/<service> with the API key as the Basic
// user and an empty password; the version is v1.0 except getEndpointsList and
// getNetworkInventoryItems (v1.1) and getIncidentsList (v1.2). Requests are spaced to
// RatePerSecond (10, the documented per-key limit); a 429 pauses the client for its
// Retry-After and the call is sent again while that fits MaxRateWait. Failures GravityZone
// reports are *Error, keeping its message and data.details.
//
// # Push signature
//
// GravityZone signs every push with Event-Push-Service-Md5: md5(apiKey + md5(body)) in hex,
// apiKey being the key that registered the push ("HTTP requests can be verified using the
// Event-Push-Service-Md5 header", in Bitdefender's documentation of the push messages).
// halobridge registers the push with the source's own key, so VerifyPushSignature can check
// every push the receiver takes.
//
// # Resolutions
//
// The Event Push Service never says that an incident was closed; Connector.Resolutions
// polls getIncidentsList for incidents closed or marked false positive since a time and
// resolves the alerts of their new-incident events (same fingerprint: company and
// incident id).
//
// # Usage
//
// Connector.Usage reports every counter getMonthlyUsagePerProductType returns, summed over
// product types, that is not zero; Product is GravityZone's counter name:
// endpointMonthlyUsage (base seats), the package counters aLaCarteMonthlyUsage,
// mspSecureEssentialsMonthlyUsage, mspSecureMonthlyUsage, mspSecurePlusMonthlyUsage and
// mspSecureExtraMonthlyUsage (the same seats again: bill one or the other), and the add-ons
// edrMonthlyUsage, patchManagementMonthlyUsage, encryptionMonthlyUsage, atsMonthlyUsage
// (Sandbox Analyzer + HyperDetect), emailSecurityMonthlyUsage and exchangeMonthlyUsage
// (mailboxes), mobileSecurityMonthlyUsage, containerProtectionMonthlyUsage,
// integrityMonitoring*, mdrFoundations/mdrResponseMonthlyUsage, xdr*SensorsMonthlyUsage,
// sveVs/sveVdiMonthlyUsage and complianceMonthlyUsage. minimumUsage (committed minimums)
// is not usage. A parent company's counters include its children's, so a company that
// has children reports IncludesChildren.
//
// # Alerts
//
// Every event becomes one source.Alert: Type is the module name, CustomerID its companyId
// (the device-control and network-monitor samples have none: such alerts are unmapped),
// HostName computer_name,
// computerName or host_name, HostIP the first address of computer_ip or computerIp (every
// address in the host_ips fact when there are several), User the name in user{name},
// user{userName}, username or detection_username (the SID in the user_sid fact), URL the
// event's url. Facts carry the module's own fields under their GravityZone names, plus
// event_name (the module's display name); OccurredAt is the module's time field in any of
// the forms the samples use, or the receive time with an occurred_at_fallback fact saying
// why. An event of a module not listed below is kept as "unknown:<module>" ("unknown:no-module"
// when it names none) with its first 64 fields by name as facts; an object of the body that
// is not an event, or a line that is not JSON, is kept as "unknown:unrecognised" with a
// parse_error fact. Nothing is dropped. What no GravityZone sends is refused whole, before
// its events are decoded: more events than the receiver's bound, an event that is not an
// object (a number, string or array where an event belongs), an event of more than 1000
// values.
//
// Severity is derived from the CEF severity (0–10) GravityZone gives each module: 10
// critical, 8–9 high, 6–7 medium, 4–5 low, 2–3 info. Modules without one are placed next to
// their kin, and new-incident uses its own severity field. new-extended-incident has no
// sample; it is read with new-incident's fields.
//
//	module                               CEF  severity
//	av                                   -    high (a malware detection, like aph/avc/fw)
//	aph, fw, avc, uc, dp                 9    high
//	hd, antiexploit                      10   critical
//	exchange-malware                     9    high
//	ransomware-mitigation                9    high
//	storage-antimalware                  -    high (a malware detection)
//	uninstall                            9    high (protection removed)
//	sva-load                             8    high
//	network-sandboxing                   7    medium
//	adcloud                              6    medium
//	network-monitor                      -    medium (the sample only reports)
//	new-incident, new-extended-incident  -    its severity; else severity_score ≥70 high,
//	                                          ≥40 medium, below low; else medium
//	modules                              5    low
//	sva, task-status,
//	troubleshooting-activity             4    low
//	device-control                       -    low (a policy doing its job)
//	registration, install, hwid-change,
//	endpoint-moved-in/-out,
//	exchange-user-credentials            3    info
//	supa-update-status,
//	security-container-update-available  2    info
//	exchange-organization-info,
//	partner-changed                      -    info (account news)
//	unknown:*                            -    medium
//
// # Fingerprints
//
// A fingerprint is "gravityzone|<companyId>|<type>|<inputs…>" ("|" and "%" escaped inside an
// input, an input over 120 bytes replaced by its hash), never a title or a time. The host
// is the event's endpointId, else computer_id, else its lower-cased name, else its address.
//
//	type                                   inputs
//	new-incident, new-extended-incident    incident_id (else host + detection_name)
//	av, hd                                 host + malware_name (else hash, else file_path)
//	storage-antimalware                    host + storage_name + malware_name
//	exchange-malware                       host + the malware names, sorted
//	aph, uc, dp                            host + the URL's domain
//	fw                                     host + source_ip + status
//	network-monitor                        host + source_ip + detection_name
//	avc                                    host + exploit_path (lower-cased)
//	antiexploit                            host + detection_path + detection_exploitTechnique
//	ransomware-mitigation                  host + attack_source
//	network-sandboxing                     host + threatType
//	device-control                         host + deviceId
//	task-status, troubleshooting-activity  taskId
//	adcloud                                syncerId + issueType
//	partner-changed                        moved_company_id + action
//	every other module, unknown:<module>   host
//
// When none of a type's inputs is in the event, the input is the EventID: the alert
// stands alone.
//
// # Redeliveries
//
// GravityZone pushes an event again when its push was not answered with a 200. EventID is
// when the event happened (Unix milliseconds, 12 hex digits; zeros when the event gives no
// time) and a hash of its canonical JSON (keys sorted), so a redelivered identical event has
// the same EventID, and EventIDs sort by event time, which keeps the store's index of them
// growing at one end. Many modules carry no time (uninstall, install, sva-load,
// supa-update-status, exchange-user-credentials, security-container-update-available and
// others), and neither does a value that is not an event: their EventID names the content
// alone, so a genuine repeat looks exactly like a redelivery. Such alerts are Timeless: the
// store takes the same EventID arriving within the dedup horizon (--dedup-horizon, 24 hours
// unless set) of the stored one for a redelivery, and after it for a new alert.
package gravityzone
