package auth

import (
	"net"
	"net/url"
	"strings"
)

// genericLabels are words of HaloPSA addresses that name the product or a
// service desk rather than the MSP: support.acme.com is Acme's.
var genericLabels = map[string]bool{
	"halo": true, "halopsa": true, "haloitsm": true, "haloservicedesk": true, "psa": true, "itsm": true,
	"support": true, "servicedesk": true, "helpdesk": true, "desk": true, "service": true, "portal": true, "www": true,
}

// GuessPartnerName is a first name for the partner of the HaloPSA at root,
// for the admin to correct: the instance's own name (InstanceInfo's
// app_name) when it has one (instance is "" otherwise), else the MSP's name
// in the address, "acme" from acme.halopsa.com or support.acme.com; an
// address without a name in it (an IP address, localhost) is itself.
func GuessPartnerName(root, instance string) string {
	if name := strings.TrimSpace(instance); name != "" {
		return name
	}
	u, err := url.Parse(root)
	if err != nil || u.Host == "" {
		return root
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return u.Host
	}
	labels := strings.Split(host, ".")
	for _, l := range labels[:len(labels)-1] {
		if !genericLabels[l] {
			return l
		}
	}
	return u.Host
}
