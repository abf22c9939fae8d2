package halo

import "strconv"

// agentPages are the pages of HaloPSA's agent UI halobridge links to, at
// the addresses HaloPSA's own links use.
var agentPages = map[string]string{
	"ticket":  "/ticket?id=",
	"client":  "/customers?clientid=",
	"invoice": "/recurringinvoice?id=",
}

// AgentPage is the address of a record's page in the agent UI of the
// HaloPSA at root: record is "ticket", "client" or "invoice" (a recurring
// invoice). It is "" while HaloPSA is not connected (root "") or the record
// has no id yet (0). HaloPSA numbers recurring invoices below zero (-94),
// tickets and clients above.
func AgentPage(root, record string, id int) string {
	path, ok := agentPages[record]
	if !ok {
		panic("halo.AgentPage: no HaloPSA page for a " + record)
	}
	if root == "" || id == 0 || id < 0 && record != "invoice" {
		return ""
	}
	return root + path + strconv.Itoa(id)
}
