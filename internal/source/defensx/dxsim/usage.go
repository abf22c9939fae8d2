package dxsim

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

type usageRecord struct {
	SubscriptionID string  `json:"subscriptionId"`
	PartnerID      string  `json:"partnerId"`
	CustomerID     string  `json:"customerId"`
	CustomerName   string  `json:"customerName"`
	SKU            string  `json:"sku"`
	Status         string  `json:"status"`
	Quantity       float64 `json:"quantity"`
	FreeQuantity   int     `json:"free_quantity"`
	TermStart      string  `json:"termStart"`
	TermEnd        string  `json:"termEnd"`
	UsageID        int64   `json:"usageId"`

	start, end time.Time
	sub        int // index in s.subs
}

// jsTime is how DefensX writes times: JavaScript's toISOString.
func jsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// terms lists the usage record of every term that has started by now, oldest first.
func (s *Sim) terms() []usageRecord {
	now := s.now()
	var out []usageRecord
	for i, sub := range s.subs {
		c := s.byID[sub.CustomerID]
		name := ""
		if c != nil {
			name = c.Name
		}
		for month := monthStart(sub.Start); !month.After(now); month = month.AddDate(0, 1, 0) {
			start := month
			if sub.Start.After(month) {
				start = sub.Start
			}
			if !sub.End.IsZero() && !start.Before(sub.End) {
				break
			}
			if start.After(now) {
				break
			}
			q, found := s.quantity(sub, month)
			if !found {
				continue
			}
			end := month.AddDate(0, 1, 0)
			out = append(out, usageRecord{
				SubscriptionID: sub.ID,
				PartnerID:      s.partnerID,
				CustomerID:     sub.CustomerID,
				CustomerName:   name,
				SKU:            sub.SKU,
				Status:         sub.Status,
				Quantity:       q,
				FreeQuantity:   sub.FreeQuantity,
				TermStart:      jsTime(start),
				TermEnd:        jsTime(end),
				UsageID:        int64(month.Year()*12+int(month.Month())-1)*10000 + int64(i) + 1,
				start:          start,
				end:            end,
				sub:            i,
			})
		}
	}
	return out
}

// usageBody is the spec's example shape: the list under usageBySubscriptions.
type usageBody struct {
	Records []usageRecord `json:"usageBySubscriptions"`
}

// customerFilter applies the optional customerId parameter; an unknown customer is 404.
func (s *Sim) customerFilter(q url.Values) (func(usageRecord) bool, *reply) {
	id := q.Get("customerId")
	if id == "" {
		return func(usageRecord) bool { return true }, nil
	}
	if _, found := s.byID[id]; !found {
		rep := apiError(http.StatusNotFound, "Customer not found")
		return nil, &rep
	}
	return func(r usageRecord) bool { return r.CustomerID == id }, nil
}

// usage answers GET /usage: the records whose term overlaps [from, to]. DefensX declares
// only 404 and 500 for it and says an "error code" answers a range over six months; like
// the rest of its API refuses invalid input, the simulator answers 422 then, and when from
// is missing or malformed.
func (s *Sim) usage(q url.Values) reply {
	keep, rep := s.customerFilter(q)
	if rep != nil {
		return *rep
	}
	if q.Get("from") == "" {
		return apiError(http.StatusUnprocessableEntity, "from parameter is required")
	}
	from, err := parseFrom(q.Get("from"))
	if err != nil {
		return apiError(http.StatusUnprocessableEntity, "from must be a date as YYYY-MM-DD or 2021-03-06T00:00:00.000Z")
	}
	to := s.now()
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return apiError(http.StatusUnprocessableEntity, "to must be a date as YYYY-MM-DD")
		}
	}
	if to.Before(from) {
		return apiError(http.StatusUnprocessableEntity, "to must not be before from")
	}
	if to.After(from.AddDate(0, 6, 0)) {
		return apiError(http.StatusUnprocessableEntity, "Usage can be queried for a maximum of 6 months period")
	}
	// A date-only to covers its whole day.
	end := to
	if to.Equal(dateOnly(to)) {
		end = to.AddDate(0, 0, 1)
	}
	out := usageBody{Records: []usageRecord{}}
	for _, r := range s.terms() {
		if keep(r) && r.start.Before(end) && r.end.After(from) {
			out.Records = append(out.Records, r)
		}
	}
	sortRecords(out.Records)
	return ok(out)
}

// currentUsage answers GET /usage/current: the record of each subscription's term that
// holds now, paged by page and limit (default and cap 1000). Like the spec's Usage schema,
// the answer has no paging object: a client knows it has the last page when it is short.
func (s *Sim) currentUsage(q url.Values) reply {
	keep, rep := s.customerFilter(q)
	if rep != nil {
		return *rep
	}
	page, limit, bad := paging(q, 1000)
	if bad != nil {
		return *bad
	}
	now := s.now()
	var all []usageRecord
	for _, r := range s.terms() {
		if keep(r) && !r.start.After(now) && r.end.After(now) && s.subs[r.sub].Status != "cancelled" {
			all = append(all, r)
		}
	}
	sortRecords(all)
	return ok(usageBody{Records: pageOf(all, page, limit)})
}

type usageDetailsBody struct {
	UsageID        int64       `json:"usageId"`
	SubscriptionID string      `json:"subscriptionId"`
	TermStart      string      `json:"termStart"`
	TermEnd        string      `json:"termEnd"`
	Users          []userUsage `json:"usageDetails"`
}

type userUsage struct {
	UserID   string  `json:"userId"`
	Login    string  `json:"login"`
	Quantity float64 `json:"quantity"`
	FirstUse string  `json:"firstUse"`
}

// usageDetails answers GET /usage/details: the record's quantity spread over the customer's
// users, one unit each and the remainder (a prorated joiner) on the last.
func (s *Sim) usageDetails(q url.Values) reply {
	subID, rawUsageID := q.Get("subscriptionId"), q.Get("usageId")
	if subID == "" || rawUsageID == "" {
		return apiError(http.StatusUnprocessableEntity, "subscriptionId and usageId are required")
	}
	usageID, err := strconv.ParseInt(rawUsageID, 10, 64)
	if err != nil {
		return apiError(http.StatusUnprocessableEntity, "usageId must be an integer")
	}
	for _, r := range s.terms() {
		if r.SubscriptionID != subID || r.UsageID != usageID {
			continue
		}
		out := usageDetailsBody{UsageID: r.UsageID, SubscriptionID: r.SubscriptionID, TermStart: r.TermStart, TermEnd: r.TermEnd, Users: []userUsage{}}
		c := s.byID[r.CustomerID]
		left := r.Quantity
		for k := 0; left > 0.004; k++ {
			share := math.Min(1, left)
			u := user{id: s.uuid("user", r.CustomerID, k), login: "user" + strconv.Itoa(k+1) + "@example.com"}
			if c != nil {
				u = s.userOf(c, k)
			}
			first := r.start
			if share < 1 {
				first = r.end.Add(-time.Duration(share * float64(r.end.Sub(r.start))))
			}
			out.Users = append(out.Users, userUsage{UserID: u.id, Login: u.login, Quantity: math.Round(share*100) / 100, FirstUse: jsTime(dateOnly(first))})
			left = math.Round((left-share)*100) / 100
		}
		return ok(out)
	}
	return apiError(http.StatusNotFound, "Usage not found")
}

func sortRecords(rs []usageRecord) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.CustomerName != b.CustomerName {
			return a.CustomerName < b.CustomerName
		}
		if a.SKU != b.SKU {
			return a.SKU < b.SKU
		}
		return a.start.Before(b.start)
	})
}

// parseFrom reads /usage's from: YYYY-MM-DD or JavaScript's ISO notation.
func parseFrom(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// paging reads page (default 1) and limit (default and cap max).
func paging(q url.Values, maxLimit int) (page, limit int, bad *reply) {
	page, limit = 1, maxLimit
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			rep := apiError(http.StatusUnprocessableEntity, "page must be a positive integer")
			return 0, 0, &rep
		}
		page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			rep := apiError(http.StatusUnprocessableEntity, "limit must be a positive integer")
			return 0, 0, &rep
		}
		limit = min(n, maxLimit)
	}
	return page, limit, nil
}

// paged is a page of a list in DefensX's Pagination object, its items beside it.
type paged[T any] struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
	TotalCount int `json:"totalCount"`
	NItems     int `json:"nitems"`
	Items      []T `json:"items"`
}

// pagedBody is items, page page of limit items of a list of total, with the paging object.
func pagedBody[T any](items []T, page, limit, total int) paged[T] {
	return paged[T]{Page: page, Limit: limit, TotalPages: int(math.Ceil(float64(total) / float64(limit))), TotalCount: total, NItems: len(items), Items: items}
}

func pageOf[T any](all []T, page, limit int) []T {
	from := (page - 1) * limit
	if from >= len(all) {
		return []T{}
	}
	return all[from:min(from+limit, len(all))]
}
