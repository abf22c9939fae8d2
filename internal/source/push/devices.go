package push

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"halobridge/internal/source"
)

type devicesBody struct {
	Devices json.RawMessage `json:"devices"`
}

type deviceItem struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Label string   `json:"label"`
	FQDN  string   `json:"fqdn"`
	IPs   []string `json:"ips"`
	MACs  []string `json:"macs"`
	OS    string   `json:"os"`
}

// ParseDevices reads PUT /api/push/v1/customers/{customer_id}/devices: the
// customer id of the path and a body {"devices": [{id, name?, label?, fqdn?,
// ips?, macs?, os?}]} that lists every device of that customer, replacing
// what was sent before (an empty list says it has none). At most
// source.MaxEndpointsPerCustomer devices, each id once; IP addresses must
// be addresses and MAC addresses 12 hex digits (any of : - . as
// separators), at most source.MaxEndpointAddresses of each. The devices
// come back managed: the vendor's product runs on them.
func ParseDevices(customerID string, body []byte) (string, []source.Endpoint, error) {
	customer, out, err := parseDevices(customerID, body)
	return customer, out, asError(err)
}

func parseDevices(customerID string, body []byte) (string, []source.Endpoint, *Error) {
	customer, err := ID("customer_id", customerID)
	if err != nil {
		return "", nil, err
	}
	if err := checkBody(body); err != nil {
		return "", nil, err
	}
	var b devicesBody
	if err := decodeStrict(body, "", &b); err != nil {
		return "", nil, err
	}
	if len(b.Devices) == 0 || string(b.Devices) == "null" {
		return "", nil, fieldError(CodeRequired, "devices", "is required; send [] for a customer without devices")
	}
	items, err := listUpTo(b.Devices, "devices", source.MaxEndpointsPerCustomer, "per customer")
	if err != nil {
		return "", nil, err
	}
	out := make([]source.Endpoint, 0, len(items))
	seen := make(map[string]int, len(items))
	for i, raw := range items {
		at := fmt.Sprintf("devices[%d]", i)
		var it deviceItem
		if err := decodeStrict(raw, at, &it); err != nil {
			return "", nil, err
		}
		id, e1 := text(at+".id", it.ID, 200, true)
		name, e2 := text(at+".name", it.Name, source.MaxEndpointTextBytes, false)
		label, e3 := text(at+".label", it.Label, source.MaxEndpointTextBytes, false)
		fqdn, e4 := text(at+".fqdn", it.FQDN, 253, false)
		os, e5 := text(at+".os", it.OS, source.MaxEndpointTextBytes, false)
		if err := firstError(e1, e2, e3, e4, e5); err != nil {
			return "", nil, err
		}
		if j, dup := seen[id]; dup {
			return "", nil, fieldError(CodeDuplicate, at+".id", "%q repeats devices[%d].id", id, j)
		}
		seen[id] = i
		ips, err := addresses(at+".ips", it.IPs, func(field, v string) (string, *Error) {
			v, err := text(field, v, 64, true)
			if err != nil {
				return "", err
			}
			addr, perr := netip.ParseAddr(v)
			if perr != nil {
				return "", fieldError(CodeInvalidValue, field, "%q is not an IP address", v)
			}
			return addr.String(), nil
		})
		if err != nil {
			return "", nil, err
		}
		macs, err := addresses(at+".macs", it.MACs, func(field, v string) (string, *Error) {
			v, err := text(field, v, 64, true)
			if err != nil {
				return "", err
			}
			mac := source.NormaliseMAC(v)
			if mac == "" {
				return "", fieldError(CodeInvalidValue, field, "%q is not a MAC address (12 hex digits, such as 00:1a:2b:3c:4d:5e)", v)
			}
			return mac, nil
		})
		if err != nil {
			return "", nil, err
		}
		e := source.Endpoint{ID: id, CustomerID: customer, Name: name, Label: label, FQDN: fqdn, OS: os, IPs: ips, MACs: macs, Managed: true}
		e.Clean()
		out = append(out, e)
	}
	return customer, out, nil
}

// addresses checks each of a device's addresses with read, at most
// source.MaxEndpointAddresses of them.
func addresses(field string, list []string, read func(field, v string) (string, *Error)) ([]string, *Error) {
	if len(list) > source.MaxEndpointAddresses {
		return nil, fieldError(CodeTooMany, field, "has %d items; at most %d are accepted", len(list), source.MaxEndpointAddresses)
	}
	var out []string
	for i, v := range list {
		a, err := read(fmt.Sprintf("%s[%d]", field, i), v)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
