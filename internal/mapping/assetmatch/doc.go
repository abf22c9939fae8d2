// Package assetmatch suggests which HaloPSA asset each endpoint of a
// security platform is, by the operator's smart-match rules: which asset
// field is compared with which endpoint property (name, label, FQDN, IP,
// MAC), exactly or by containment, with or without case. It never
// overwrites a confirmed mapping and reports ambiguous matches instead of
// choosing one.
//
// Match is a pure function of its arguments: the caller loads endpoints,
// assets and confirmed mappings and stores what it returns. It indexes the
// assets by normalised value, so that 10,000 endpoints against 10,000 assets
// take a fraction of a second in either mode.
package assetmatch
