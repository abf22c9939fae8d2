package vocab_test

import (
	"fmt"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/vocab"
)

func ExampleDescribe() {
	body := []byte(`{"jsonrpc":"2.0","method":"addEvents","id":1,"params":{"events":[{"module":"av",` +
		`"companyId":"5f1c0a9e2b3d4c5e6f708192","computer_name":"CONTOSO-WS01","malware_name":"Trojan.GenericKD.4711",` +
		`"malware_type":"file","file_path":"C:\\Users\\anna\\invoice.exe","final_status":"present","present":1,` +
		`"timestamp":"2026-01-05T09:30:00.000Z"}]}}`)
	in, err := gravityzone.ParsePush(nil, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := in.Alerts[0]
	d := vocab.Describe(a)
	fmt.Println(a.Severity, "|", d.Headline)
	fmt.Println(d.Outcome)
	fmt.Println(d.NextStep)
	for _, f := range d.Facts {
		fmt.Printf("%s: %s\n", f.Label, f.Value)
	}
	t, _ := vocab.Lookup(source.GravityZone, "av")
	fmt.Println(t.Title)
	// Output:
	// high | Malware Trojan.GenericKD.4711 still present on CONTOSO-WS01
	// Still present: action needed
	// Scan the endpoint in GravityZone and remove the threat; isolate it if the threat spreads.
	// Malware: Trojan.GenericKD.4711
	// Final status: Still present
	// Malware type: File
	// File: C:\Users\anna\invoice.exe
	// Items: 1 still present.
	// Detected: 2026-01-05 09:30:00 UTC
	// Malware {{malware_name}} on {{hostname}}
}
