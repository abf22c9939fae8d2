package twoway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"halobridge/internal/store"
)

// Bounds of one webhook request.
const (
	// DefaultMaxBody is far above a batch of full ticket objects.
	DefaultMaxBody = 4 << 20
	// DefaultMaxDeliveries bounds a batch.
	DefaultMaxDeliveries = 500
	// maxTicketObject bounds the ticket object kept of one delivery.
	maxTicketObject = 256 << 10
	maxIDLength     = 100
	maxEventLength  = 200
	maxTokenLength  = 100
)

// Receiver is the HTTP endpoint HaloPSA's webhook posts to: POST /halo/webhook/{token}. It
// authenticates the Basic credentials in constant time, bounds and checks the whole request,
// stores its deliveries by their id (a delivery sent again changes nothing) and answers;
// OnStored then starts the job that acts on them.
type Receiver struct {
	Store *store.Store
	// OnStored is told of a partner with new deliveries.
	OnStored      func(ctx context.Context, partnerID int64)
	MaxBody       int64
	MaxDeliveries int
	Logger        *slog.Logger
}

// receiveReply is the body of every answer.
type receiveReply struct {
	Received   int    `json:"received"`
	Duplicates int    `json:"duplicates"`
	Error      string `json:"error,omitempty"`
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, reply := rc.receive(r)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="halobridge"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(reply)
}

func (rc *Receiver) receive(r *http.Request) (int, receiveReply) {
	fail := func(status int, msg string) (int, receiveReply) { return status, receiveReply{Error: msg} }
	token := r.PathValue("token")
	if token == "" || len(token) > maxTokenLength {
		return fail(http.StatusNotFound, "no HaloPSA webhook is set up at this address")
	}
	rec, err := rc.Store.HaloWebhookByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		return fail(http.StatusNotFound, "no HaloPSA webhook is set up at this address")
	}
	if err != nil {
		rc.logger().Error("read the HaloPSA webhook", "error", err)
		return fail(http.StatusServiceUnavailable, "halobridge cannot read its database now; HaloPSA retries the delivery")
	}
	user, pass, ok := r.BasicAuth()
	if !ok || equal(user, webhookUser)&equal(pass, rec.Secret) != 1 {
		return fail(http.StatusUnauthorized, "the webhook's Basic credentials are not halobridge's: halobridge sets them itself, so let it check the webhook again (Recheck on its event)")
	}
	maxBody := rc.MaxBody
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fail(http.StatusBadRequest, "could not read the request body: "+err.Error())
	}
	if int64(len(body)) > maxBody {
		return fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes: send smaller batches", maxBody))
	}
	maxDeliveries := rc.MaxDeliveries
	if maxDeliveries <= 0 {
		maxDeliveries = DefaultMaxDeliveries
	}
	deliveries, err := parseDeliveries(body, maxDeliveries)
	var tooMany *tooManyError
	if errors.As(err, &tooMany) {
		return fail(http.StatusRequestEntityTooLarge, err.Error())
	}
	if err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	stored, err := rc.Store.RecordHaloDeliveries(r.Context(), rec.PartnerID, deliveries)
	if err != nil {
		rc.logger().Error("store HaloPSA webhook deliveries", "partner_id", rec.PartnerID, "error", err)
		return fail(http.StatusServiceUnavailable, "halobridge could not store the deliveries; HaloPSA retries them")
	}
	if stored > 0 && rc.OnStored != nil {
		rc.OnStored(context.WithoutCancel(r.Context()), rec.PartnerID)
	}
	return http.StatusOK, receiveReply{Received: stored, Duplicates: len(deliveries) - stored}
}

func (rc *Receiver) logger() *slog.Logger {
	if rc.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return rc.Logger
}

// equal compares in constant time, lengths included (as 1 or 0, for &).
func equal(a, b string) int {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:])
}

// payload is one delivery as HaloPSA posts it; fields it does not know are ignored.
type payload struct {
	ID       string          `json:"id"`
	Event    string          `json:"event"`
	ObjectID json.RawMessage `json:"object_id"`
	Ticket   json.RawMessage `json:"ticket"`
}

type tooManyError struct{ max int }

func (e *tooManyError) Error() string {
	return fmt.Sprintf("the request carries more than %d deliveries: set the webhook's batch size to %d or fewer", e.max, e.max)
}

// parseDeliveries reads a single payload or a batch (a JSON array of them), and checks all
// of it before anything is stored.
func parseDeliveries(body []byte, maxDeliveries int) ([]store.HaloDelivery, error) {
	trimmed := bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, errors.New("the body is not a JSON array of webhook payloads")
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		raws = []json.RawMessage{trimmed}
	default:
		return nil, errors.New("the body is not a HaloPSA webhook payload (a JSON object, or an array of them)")
	}
	if len(raws) == 0 {
		return nil, errors.New("the batch is empty")
	}
	if len(raws) > maxDeliveries {
		return nil, &tooManyError{max: maxDeliveries}
	}
	out := make([]store.HaloDelivery, 0, len(raws))
	for i, raw := range raws {
		d, err := parsePayload(raw)
		if err != nil {
			return nil, fmt.Errorf("payload %d: %w", i+1, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func parsePayload(raw json.RawMessage) (store.HaloDelivery, error) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return store.HaloDelivery{}, errors.New("not a JSON object with HaloPSA's webhook fields")
	}
	if p.ID == "" || len(p.ID) > maxIDLength {
		return store.HaloDelivery{}, errors.New("id, the delivery's GUID, is missing or too long")
	}
	if len(p.Event) > maxEventLength {
		return store.HaloDelivery{}, errors.New("event is too long")
	}
	d := store.HaloDelivery{DeliveryID: p.ID, Event: p.Event}
	id, ok := intOf(p.ObjectID)
	ticket := bytes.TrimSpace(p.Ticket)
	if len(ticket) > 0 && !bytes.Equal(ticket, []byte("null")) {
		if ticket[0] != '{' || len(ticket) > maxTicketObject {
			return store.HaloDelivery{}, errors.New("ticket is not a ticket object, or too large")
		}
		var t struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(ticket, &t); err != nil {
			return store.HaloDelivery{}, errors.New("ticket is not a ticket object")
		}
		tid, tok := intOf(t.ID)
		switch {
		case !ok && tok:
			id, ok = tid, true
		case ok && tok && tid != id:
			return store.HaloDelivery{}, fmt.Errorf("object_id %d and ticket.id %d differ", id, tid)
		}
		d.Ticket = ticket
	}
	if !ok {
		return store.HaloDelivery{}, errors.New("object_id, the ticket's id, is missing or not a positive whole number")
	}
	d.TicketID = id
	return d, nil
}

// intOf reads a positive id sent as a JSON number or a numeric string.
func intOf(raw json.RawMessage) (int, bool) {
	s := string(bytes.Trim(bytes.TrimSpace(raw), `"`))
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err == nil && n > 0
}
