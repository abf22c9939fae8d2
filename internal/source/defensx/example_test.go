package defensx_test

import (
	"fmt"

	"halobridge/internal/source/defensx"
)

// A DefensX user request, as the partner's endpoint receives it, becomes one alert.
func ExampleParseWebhook() {
	body := []byte(`{"event":"UserRequest.Create","time":1677241081,"payload":{"type":"UserRequest","id":1650,` +
		`"user_id":"ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63","customer_id":"c062a202-e090-4e57-ba88-d74dfd2e3455",` +
		`"report_type":"url_block","hostname":"monster.com","url":"https:\/\/monster.com\/","reason":"Incorrect Risk Rating"}}`)
	in, _, err := defensx.ParseWebhook(nil, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := in.Alerts[0]
	fmt.Println(a.Type, a.Severity, a.URL)
	fmt.Println(a.Facts["report_type_label"]+":", a.Facts["reason"])
	fmt.Println(a.Fingerprint)
	// Output:
	// user_request low https://monster.com/
	// URL Block: Incorrect Risk Rating
	// defensx:c062a202-e090-4e57-ba88-d74dfd2e3455:user_request:1650
}
