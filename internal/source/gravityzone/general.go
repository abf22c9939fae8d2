package gravityzone

import "context"

// APIKeyDetails is general.getApiKeyDetails' answer.
type APIKeyDetails struct {
	// EnabledAPIs are the API categories ticked on the key, by service name ("network",
	// "licensing", "push", …).
	EnabledAPIs []string `json:"enabledApis"`
	CreatedAt   string   `json:"createdAt"`
}

// APIKeyDetails reads what the key may do: the cheapest call that proves the key and the
// access URL work together.
func (c *Client) APIKeyDetails(ctx context.Context) (APIKeyDetails, error) {
	var d APIKeyDetails
	if err := c.Call(ctx, "general", "getApiKeyDetails", nil, &d); err != nil {
		return APIKeyDetails{}, err
	}
	return d, nil
}
