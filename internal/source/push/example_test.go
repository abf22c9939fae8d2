package push_test

import (
	"errors"
	"fmt"

	"halobridge/internal/source/push"
)

// A vendor posts a batch of alerts; a refused batch names the field at fault.
func ExampleParseAlerts() {
	alerts, err := push.ParseAlerts([]byte(`{"alerts":[{"id":"evt-1","customer_id":"c-1001","type":"malware",` +
		`"severity":"high","occurred_at":"2026-03-14T09:26:53Z","dedup_key":"FRONTDESK-02"}]}`))
	fmt.Println(len(alerts), alerts[0].Fingerprint, alerts[0].EventID, err)

	_, err = push.ParseAlerts([]byte(`{"alerts":[{"id":"evt-2","type":"malware","severity":"high","occurred_at":"2026-03-14T09:26:53Z"}]}`))
	var refused *push.Error
	if errors.As(err, &refused) {
		fmt.Println(refused.HTTPStatus(), refused.Code, refused.Message)
	}
	// Output:
	// 1 push:c-1001:key:FRONTDESK-02 push:c-1001:alert:evt-1 <nil>
	// 400 required alerts[0].customer_id is required
}
