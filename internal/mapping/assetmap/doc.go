// Package assetmap is the asset mapping service: for each security
// customer mapped to a HaloPSA client, which of the customer's endpoints
// is which HaloPSA asset of the client. A sync stores the smart match's
// suggestions (the pure assetmatch package decides them) and raises the
// events of confirmed mappings whose endpoint or asset is gone; a person
// accepts suggestions one by one or in bulk, maps or unmaps by hand, and
// may have halobridge create the HaloPSA asset of an unmatched endpoint.
package assetmap
