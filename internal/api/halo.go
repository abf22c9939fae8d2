package api

import (
	"errors"
	"net/http"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/setup"
	"halobridge/internal/web"
)

// checksJSON is a connection test's report: a line per capability.
type checksJSON struct {
	OK     bool        `json:"ok"`
	Checks []checkJSON `json:"checks"`
}

type checkJSON struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
	Fix     string `json:"fix,omitempty"`
	// Required checks must pass for a connection to be saved.
	Required bool `json:"required"`
	// Permission is the one HaloPSA refused the check for want of.
	Permission string `json:"permission,omitempty"`
}

func checksOf(v setup.Checks) checksJSON {
	if v.Report == nil {
		return checksJSON{Checks: []checkJSON{{Name: "Use the stored connection", Message: v.Error}}}
	}
	out := checksJSON{OK: v.Report.OK, Checks: []checkJSON{}}
	for _, c := range v.Report.Checks {
		out.Checks = append(out.Checks, checkOf(c))
	}
	return out
}

func checkOf(c halo.Check) checkJSON {
	return checkJSON{Name: c.Name, OK: c.OK, Message: c.Message, Fix: c.Fix, Required: c.Required, Permission: c.Permission}
}

// haloRefusedJSON answers credentials Test Connection refused: the error
// names the check that failed, and checks has every line.
type haloRefusedJSON struct {
	Error  web.Problem `json:"error"`
	Checks checksJSON  `json:"checks"`
}

// saveHalo tests a client ID and secret connection and saves it unless
// the test shows it cannot work: then it answers 422 with the checks, and
// the partner keeps the connection it had.
func (h *handler) saveHalo(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in struct {
		URL          string `json:"url"`
		AuthURL      string `json:"auth_url"`
		Tenant       string `json:"tenant"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	conn, errs := h.deps.Halo.CheckForm(r.Context(), partnerID, connect.HaloForm{URL: in.URL, AuthURL: in.AuthURL, Tenant: in.Tenant, ClientID: in.ClientID, ClientSecret: in.ClientSecret})
	if len(errs) > 0 {
		// The form's halo_url is this body's url.
		if msg, ok := errs["halo_url"]; ok {
			delete(errs, "halo_url")
			errs["url"] = msg
		}
		h.invalid(w, "The HaloPSA connection is not complete.", errs)
		return
	}
	report, err := h.deps.Events.ConnectHalo(r.Context(), conn)
	var refused *connect.RefusedError
	if errors.As(err, &refused) {
		h.json(w, http.StatusUnprocessableEntity, haloRefusedJSON{
			Error:  web.Problem{Code: "halo_connection_refused", Message: refused.Error()},
			Checks: checksOf(setup.Checks{Report: &refused.Report}),
		})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, checksOf(setup.Checks{Report: &report}))
}

// testHalo is Test Connection.
func (h *handler) testHalo(w http.ResponseWriter, r *http.Request, partnerID int64) {
	h.json(w, http.StatusOK, checksOf(setup.TestHalo(r.Context(), h.deps.Events, partnerID, h.deps.Logger)))
}
