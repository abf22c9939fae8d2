package ingest

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/source/push"
	"halobridge/internal/store"
)

// CatalogWriter keeps what push sources say about their customers, usage
// and devices.
type CatalogWriter interface {
	SaveSourceCustomers(ctx context.Context, sourceID int64, customers []source.Customer, replace bool) error
	SourceCustomers(ctx context.Context, sourceID int64) ([]source.Customer, error)
	SaveUsage(ctx context.Context, sourceID int64, usage []source.Usage, replace *source.Month) error
	SaveSourceEndpoints(ctx context.Context, sourceID int64, customerID string, eps []source.Endpoint, listedAt time.Time) (gone []string, err error)
}

// AlertTickets tells where a pushed alert stands in HaloPSA.
type AlertTickets interface {
	AlertTicketOf(ctx context.Context, partnerID, sourceID int64, eventID string) (store.AlertTicket, error)
}

// PushStore is what the push API keeps and reads: *store.Store.
type PushStore interface {
	CatalogWriter
	AlertTickets
}

// PushAPI serves the generic push API (internal/source/push/openapi.yaml)
// under /api/push/v1/. A vendor authenticates with the bearer token
// "<source token>.<source secret>" shown when the push source is created.
type PushAPI struct {
	rc      *Receiver
	catalog PushStore
	mux     *http.ServeMux
}

// PushToken is the bearer token a push source's vendor sends.
func PushToken(src store.Source) string { return src.Token + "." + src.Secret }

// NewPushAPI serves the push API, storing alerts through rc's committer.
func NewPushAPI(rc *Receiver, catalog PushStore) *PushAPI {
	api := &PushAPI{rc: rc, catalog: catalog, mux: http.NewServeMux()}
	api.mux.HandleFunc("PUT /api/push/v1/customers", api.handle(api.customers))
	api.mux.HandleFunc("PUT /api/push/v1/customers/{customer_id}/devices", api.handle(api.devices))
	api.mux.HandleFunc("PUT /api/push/v1/usage", api.handle(api.usage))
	api.mux.HandleFunc("POST /api/push/v1/alerts", api.handle(api.alerts))
	api.mux.HandleFunc("POST /api/push/v1/alerts/resolve", api.handle(api.resolveMany))
	api.mux.HandleFunc("POST /api/push/v1/alerts/{id}/resolve", api.handle(api.resolveOne))
	api.mux.HandleFunc("GET /api/push/v1/alerts/{id}", api.alertState)
	api.mux.HandleFunc("GET /api/push/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(push.OpenAPI)
	})
	return api
}

func (api *PushAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { api.mux.ServeHTTP(w, r) }

// pushCall is one authenticated request with its body read.
type pushCall struct {
	r    *http.Request
	src  store.Source
	body []byte
}

// accepted is the push API's success answer.
type accepted struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

func (api *PushAPI) handle(fn func(c pushCall) (accepted, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body := api.serve(r, fn)
		api.rc.requests.WithLabelValues(string(source.Push), fmt.Sprint(status)).Inc()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
}

func (api *PushAPI) serve(r *http.Request, fn func(c pushCall) (accepted, error)) (int, any) {
	src, perr := api.authenticate(r)
	if perr != nil {
		return perr.HTTPStatus(), push.ErrorBody{Error: perr}
	}
	body, err := readBody(r, push.MaxBodyBytes)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e := &push.Error{Code: push.CodeTooLarge, Message: fmt.Sprintf("the body is larger than %d bytes; send at most %d items per call", push.MaxBodyBytes, push.MaxItems)}
		return e.HTTPStatus(), push.ErrorBody{Error: e}
	}
	if err != nil {
		e := &push.Error{Code: push.CodeInvalidJSON, Message: "could not read the body: " + err.Error()}
		return e.HTTPStatus(), push.ErrorBody{Error: e}
	}
	res, err := fn(pushCall{r: r, src: src, body: body})
	var pe *push.Error
	if errors.As(err, &pe) {
		return pe.HTTPStatus(), push.ErrorBody{Error: pe}
	}
	if errors.Is(err, store.ErrInvalid) {
		e := &push.Error{Code: push.CodeInvalidValue, Message: "halobridge cannot keep this: " + err.Error()}
		return e.HTTPStatus(), push.ErrorBody{Error: e}
	}
	if err != nil {
		api.rc.opts.Logger.Error("push API", "source_id", src.ID, "path", r.URL.Path, "error", err)
		return http.StatusServiceUnavailable, push.ErrorBody{Error: &push.Error{Code: "unavailable", Message: "halobridge could not store this right now; retry later"}}
	}
	return http.StatusOK, res
}

func (api *PushAPI) authenticate(r *http.Request) (store.Source, *push.Error) {
	unauthorized := &push.Error{Code: push.CodeUnauthorized, Message: "send the push source's token as 'Authorization: Bearer <token>'; it is shown when the source is created in halobridge"}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token, secret, found := strings.Cut(strings.TrimSpace(bearer), ".")
	if !ok || !found {
		return store.Source{}, unauthorized
	}
	src, err := api.rc.source(r.Context(), token)
	if err != nil || src.Kind != source.Push || src.Secret == "" ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(src.Secret)) != 1 {
		return store.Source{}, unauthorized
	}
	return src, nil
}

func (api *PushAPI) customers(c pushCall) (accepted, error) {
	customers, err := push.ParseCustomers(c.body)
	if err != nil {
		return accepted{}, err
	}
	if err := api.catalog.SaveSourceCustomers(c.r.Context(), c.src.ID, customers, false); err != nil {
		return accepted{}, err
	}
	return accepted{Accepted: len(customers)}, nil
}

// devices replaces the devices of one customer the source made known (by
// PUT /customers or in an alert): devices of a customer halobridge has
// never heard of would route nothing, so they are refused.
func (api *PushAPI) devices(c pushCall) (accepted, error) {
	customer, devices, err := push.ParseDevices(c.r.PathValue("customer_id"), c.body)
	if err != nil {
		return accepted{}, err
	}
	known, err := api.catalog.SourceCustomers(c.r.Context(), c.src.ID)
	if err != nil {
		return accepted{}, err
	}
	if !slices.ContainsFunc(known, func(k source.Customer) bool { return k.ID == customer }) {
		return accepted{}, &push.Error{Code: push.CodeNotFound, Field: "customer_id",
			Message: fmt.Sprintf("customer_id %q is not a customer of this source: send it with PUT /api/push/v1/customers first", customer)}
	}
	// The vendor's list is its whole and current one: no change it pushed
	// before is newer (time.Time{} keeps none against it).
	if _, err := api.catalog.SaveSourceEndpoints(c.r.Context(), c.src.ID, customer, devices, time.Time{}); err != nil {
		return accepted{}, err
	}
	return accepted{Accepted: len(devices)}, nil
}

func (api *PushAPI) usage(c pushCall) (accepted, error) {
	usage, err := push.ParseUsage(c.body)
	if err != nil {
		return accepted{}, err
	}
	if err := api.catalog.SaveUsage(c.r.Context(), c.src.ID, usage, nil); err != nil {
		return accepted{}, err
	}
	return accepted{Accepted: len(usage)}, nil
}

func (api *PushAPI) alerts(c pushCall) (accepted, error) {
	alerts, err := push.ParseAlerts(c.body)
	if err != nil {
		return accepted{}, err
	}
	return api.store(c, source.Inbound{Alerts: alerts})
}

func (api *PushAPI) resolveOne(c pushCall) (accepted, error) {
	r, err := push.ParseResolve(c.r.PathValue("id"), c.body)
	if err != nil {
		return accepted{}, err
	}
	return api.store(c, source.Inbound{Resolutions: []source.Resolution{r}})
}

func (api *PushAPI) resolveMany(c pushCall) (accepted, error) {
	rs, err := push.ParseResolutions(c.body)
	if err != nil {
		return accepted{}, err
	}
	return api.store(c, source.Inbound{Resolutions: rs})
}

func (api *PushAPI) store(c pushCall, in source.Inbound) (accepted, error) {
	res, err := api.rc.committer.Store(c.r.Context(), store.InboundBatch{
		PartnerID: c.src.PartnerID, SourceID: c.src.ID, ReceivedAt: api.rc.opts.Now(),
		Alerts: in.Alerts, Resolutions: in.Resolutions,
	})
	if err != nil {
		return accepted{}, err
	}
	api.rc.events.WithLabelValues(string(source.Push), "stored").Add(float64(len(res.AlertIDs) + res.Resolutions))
	api.rc.events.WithLabelValues(string(source.Push), "duplicate").Add(float64(res.Duplicates))
	return accepted{Accepted: len(res.AlertIDs) + res.Resolutions, Duplicates: res.Duplicates}, nil
}

// alertTicket is the answer of GET /api/push/v1/alerts/{id}.
type alertTicket struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	// TicketID is the HaloPSA ticket of the alert's group, null while it has none.
	TicketID *int `json:"ticket_id"`
	// State is open, closed, pending (the ticket is being created) or none.
	State     string `json:"state"`
	ChangedAt string `json:"changed_at"`
}

// alertState answers where a pushed alert stands: its ticket, the ticket's state and when
// that last changed. The alert is named by its id in the path and its customer_id in the
// query, as it was pushed.
func (api *PushAPI) alertState(w http.ResponseWriter, r *http.Request) {
	status, body := api.alertStateOf(r)
	api.rc.requests.WithLabelValues(string(source.Push), fmt.Sprint(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (api *PushAPI) alertStateOf(r *http.Request) (int, any) {
	src, perr := api.authenticate(r)
	if perr != nil {
		return perr.HTTPStatus(), push.ErrorBody{Error: perr}
	}
	id, e1 := push.ID("id", r.PathValue("id"))
	customer, e2 := push.ID("customer_id", r.URL.Query().Get("customer_id"))
	if e := cmp.Or(e1, e2); e != nil {
		return e.HTTPStatus(), push.ErrorBody{Error: e}
	}
	at, err := api.catalog.AlertTicketOf(r.Context(), src.PartnerID, src.ID, "push:"+customer+":alert:"+id)
	if errors.Is(err, store.ErrNotFound) {
		e := &push.Error{Code: push.CodeNotFound, Field: "id", Message: fmt.Sprintf("no alert %q of customer %q was pushed to this source, or halobridge no longer keeps it (alerts are kept for the retention period set by the operator)", id, customer)}
		return e.HTTPStatus(), push.ErrorBody{Error: e}
	}
	if err != nil {
		api.rc.opts.Logger.Error("push API", "source_id", src.ID, "path", r.URL.Path, "error", err)
		return http.StatusServiceUnavailable, push.ErrorBody{Error: &push.Error{Code: "unavailable", Message: "halobridge could not read the alert right now; retry later"}}
	}
	out := alertTicket{ID: id, CustomerID: customer, State: "none", ChangedAt: at.ChangedAt.UTC().Format(time.RFC3339)}
	if at.Link != nil {
		out.State = at.Link.State
		if at.Link.TicketID != 0 {
			ticket := at.Link.TicketID
			out.TicketID = &ticket
		}
	}
	return http.StatusOK, out
}
