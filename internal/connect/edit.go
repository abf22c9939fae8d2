package connect

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// SourceChange is what a person changes of a source: a nil field stays as
// it is.
type SourceChange struct {
	Name   *string
	APIURL *string
	APIKey *string
	// CallbackURL is a push API source's callback address; "" removes it.
	CallbackURL *string
}

// Updated is a source just edited, with what was done at the platform.
type Updated struct {
	Source store.Source
	// Tested is true when a new API key or URL passed the platform's test
	// before it was saved.
	Tested bool
	// Registered is true when halobridge registered its push again.
	Registered bool
	// Notes say what was done at the platform and what is left to do by hand.
	Notes []string
}

// FieldError is a change a person must correct; Field names what is wrong
// in the API's words (name, api_url, api_key, or source for the platform's
// refusal of both together). Nothing was saved.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// UpdateSource changes a source's name, API URL or API key. A new key or
// URL is tested first, as adding the source tests it: the platform must
// list its customers with them and, for GravityZone, take halobridge's push
// registration; if it does not, nothing is saved and the *FieldError says
// which check failed in the platform's words.
//
// A GravityZone key of another account (or one whose account cannot be
// told) gets a new push secret, so that the old account's registration,
// which halobridge switches off where it can, can no longer deliver here.
func (s *Sources) UpdateSource(ctx context.Context, partnerID, id int64, ch SourceChange) (Updated, error) {
	src, err := s.Store.Source(ctx, id)
	if err == nil && src.PartnerID != partnerID {
		err = fmt.Errorf("source %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return Updated{}, err
	}
	next, err := changed(src, ch)
	if err == nil && ch.CallbackURL != nil {
		next, err = s.withCallback(next, *ch.CallbackURL)
	}
	if err != nil {
		return Updated{}, err
	}
	up := Updated{Source: next}
	if next.APIKey != src.APIKey || next.APIURL != src.APIURL {
		if up, err = s.retest(ctx, src, next); err != nil {
			return Updated{}, err
		}
	}
	// What was done at the platform is saved even if the caller has gone.
	saved, err := s.Store.UpdateSource(context.WithoutCancel(ctx), up.Source)
	if err != nil {
		if up.Registered {
			err = fmt.Errorf("%w (GravityZone was already registered with the new settings: save again)", err)
		}
		return Updated{}, fmt.Errorf("save %s: %w", Label(src), err)
	}
	up.Source = saved
	return up, nil
}

// changed applies ch to src and checks the result.
func changed(src store.Source, ch SourceChange) (store.Source, error) {
	next := src
	if ch.Name != nil {
		if next.Name = strings.TrimSpace(*ch.Name); next.Name == "" {
			return store.Source{}, &FieldError{Field: "name", Message: "the name is empty: give the source a name people recognise"}
		}
		if len(next.Name) > maxName {
			return store.Source{}, &FieldError{Field: "name", Message: fmt.Sprintf("the name is longer than %d characters", maxName)}
		}
	}
	for _, f := range []struct {
		field string
		value *string
		into  *string
	}{{"api_url", ch.APIURL, &next.APIURL}, {"api_key", ch.APIKey, &next.APIKey}} {
		if f.value == nil {
			continue
		}
		v := strings.TrimSpace(*f.value)
		switch {
		case src.Kind == source.Push:
			return store.Source{}, &FieldError{Field: f.field, Message: "push API sources have no API key or URL: the vendor calls halobridge with its token"}
		case v == "":
			return store.Source{}, &FieldError{Field: f.field, Message: fmt.Sprintf("%s is empty: leave it out to keep the current one", f.field)}
		case len(v) > maxCredential:
			return store.Source{}, &FieldError{Field: f.field, Message: fmt.Sprintf("%s is longer than %d characters", f.field, maxCredential)}
		}
		*f.into = v
	}
	return next, nil
}

// Bounds of what a person types.
const (
	maxName       = 200
	maxCredential = 2000
)

// retest tests next's new key or URL against the platform and, for
// GravityZone, registers halobridge's push with them.
func (s *Sources) retest(ctx context.Context, src, next store.Source) (Updated, error) {
	field := "source"
	switch {
	case next.APIKey == src.APIKey:
		field = "api_url"
	case next.APIURL == src.APIURL:
		field = "api_key"
	}
	refused := func(check string, err error) error {
		return &FieldError{Field: field, Message: fmt.Sprintf("%s failed, so nothing was saved: %v", check, err)}
	}
	if next.APIURL != src.APIURL {
		if err := s.checkAPIURL(ctx, next.Kind, next.APIURL); err != nil {
			return Updated{}, err
		}
	}
	conn, err := s.Connector(next)
	if err != nil {
		return Updated{}, refused("using the new settings", err)
	}
	customers, err := conn.Customers(ctx)
	if err != nil {
		return Updated{}, refused("listing the customers with the new settings", err)
	}
	up := Updated{Source: next, Tested: true}
	if next.Kind != source.GravityZone {
		up.Notes = append(up.Notes, "The new settings work: halobridge listed the customers with them. The address events arrive at stays the same.")
		return up, nil
	}
	same, why, err := s.sameAccount(ctx, src, customers)
	if err != nil {
		return Updated{}, err
	}
	if !same {
		up.Source.Secret = newSecret()
	}
	delivery, err := s.Delivery(up.Source)
	if err != nil {
		return Updated{}, err
	}
	if err := conn.RegisterDelivery(ctx, delivery); err != nil {
		return Updated{}, refused("registering halobridge with the Event Push Service with the new settings", err)
	}
	up.Registered = true
	up.Notes = append(up.Notes, fmt.Sprintf("halobridge registered itself with the Event Push Service again: GravityZone pushes to %s.", delivery.URL))
	if same {
		return up, nil
	}
	if why != "" {
		up.Notes = append(up.Notes, why+" If the old key belongs to another GravityZone account, switch that account's Event Push Service off: "+
			offByHand(s.ingestURL(src))+" halobridge refuses its pushes already: the push secret changed.")
		return up, nil
	}
	if done, err := s.unregister(ctx, src); err != nil {
		up.Notes = append(up.Notes, fmt.Sprintf("The old key belongs to another GravityZone account, whose Event Push Service could not be switched off: %v. halobridge refuses its pushes already (the push secret changed); to stop them, %s", err, offByHand(s.ingestURL(src))))
	} else {
		up.Notes = append(up.Notes, "The old key belongs to another GravityZone account: "+done)
	}
	return up, nil
}

// sameAccount tells whether the new key's GravityZone account, whose
// companies are customers, is the one the source had: the new key's own
// company (the first listed) is among the companies last synced, or is the
// old key's own company. When neither can be known it says why.
func (s *Sources) sameAccount(ctx context.Context, src store.Source, customers []source.Customer) (bool, string, error) {
	if len(customers) == 0 {
		return false, "The new key lists no company, so halobridge cannot tell whether it belongs to the same GravityZone account.", nil
	}
	root := customers[0].ID
	stored, err := s.Store.SourceCustomers(ctx, src.ID)
	if err != nil {
		return false, "", err
	}
	if slices.ContainsFunc(stored, func(c source.Customer) bool { return c.ID == root }) {
		return true, "", nil
	}
	old, err := s.Connector(src)
	if err == nil {
		gz, ok := old.(*gravityzone.Connector)
		if !ok {
			return false, "", fmt.Errorf("%s: not a GravityZone connector", Label(src))
		}
		var own gravityzone.CompanyDetails
		if own, err = gz.Client().CompanyDetails(ctx, ""); err == nil {
			return own.ID == root, "", nil
		}
	}
	return false, fmt.Sprintf("The old key could not be used to tell whether it belongs to the same GravityZone account (%v).", err), nil
}

// unregister switches src's push to halobridge off at the platform.
func (s *Sources) unregister(ctx context.Context, src store.Source) (string, error) {
	conn, err := s.Connector(src)
	if err != nil {
		return "", err
	}
	return conn.UnregisterDelivery(ctx, source.Delivery{URL: s.ingestURL(src)})
}

// offByHand says how to switch GravityZone's push towards url off without halobridge.
func offByHand(url string) string {
	return fmt.Sprintf("with an API key of that account that has the Event Push Service API, call push.setPushEventSettings with \"status\": 0 (its push goes to %s; GravityZone also switches it off by itself after more than 100 refused deliveries).", url)
}
