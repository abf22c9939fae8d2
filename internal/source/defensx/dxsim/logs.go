package dxsim

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// URLLog is one row of a customer's URL log.
type URLLog struct {
	CreatedAt   time.Time
	UserID      string
	AgentID     string
	Action      string // "allowed" or "blocked", the words of DefensX's credential log
	URL         string
	Source      string
	SubType     string // url, url_block_consented or readonly_consented
	RiskScore   string
	CategoryKey string
}

type urlLogBody struct {
	CreatedAt   string `json:"created_at"`
	UserID      string `json:"user_id"`
	AgentID     string `json:"agent_id"`
	Action      string `json:"action"`
	URL         string `json:"url"`
	Source      string `json:"source"`
	SubType     string `json:"sub_type"`
	RiskScore   string `json:"risk_score"`
	CategoryKey string `json:"category_key"`
}

type site struct{ url, category, risk string }

func allowedSites() []site {
	return []site{
		{"https://outlook.office365.com/mail/", "CAT_COMPUTING_INTERNET", "3"},
		{"https://github.com/", "CAT_COMPUTING_INTERNET", "5"},
		{"https://www.bbc.co.uk/news", "CAT_NEWS", "4"},
		{"https://en.wikipedia.org/wiki/Main_Page", "CAT_REFERENCE", "2"},
		{"https://www.linkedin.com/feed/", "CAT_SOCIAL_NETWORKS_IN_GENERAL", "8"},
		{"https://www.chase.com/", "CAT_FINANCE_AND_BANKING", "6"},
	}
}

func blockedSites() []site {
	return []site{
		{"https://monster.com/", "CAT_EMPLOYMENT", "35"},
		{"https://www.bet365.com/", "CAT_GAMBLING_IN_GENERAL", "62"},
		{"https://thepiratebay.org/index.html", "CAT_PIRACY_COPYRIGHT_THEFT", "81"},
		{"http://secure-login-office365.com.verify-account.ru/", "CAT_PHISHING_SITES", "97"},
	}
}

// generateLogs is 40 rows of browsing over the two days before start, one in five blocked.
func (s *Sim) generateLogs(c *customer, i int, start time.Time) []URLLog {
	var out []URLLog
	allowed, blocked := allowedSites(), blockedSites()
	at := start
	for k := range 40 {
		at = at.Add(-time.Duration(30+s.pick(90, "gap", i, k)) * time.Minute)
		row := URLLog{
			CreatedAt: at.Truncate(time.Millisecond),
			UserID:    c.users[s.pick(len(c.users), "who", i, k)].id,
			AgentID:   c.agents[s.pick(len(c.agents), "where", i, k)].id,
			Source:    "extension",
			SubType:   "url",
			Action:    "allowed",
		}
		st := allowed[s.pick(len(allowed), "site", i, k)]
		if k%5 == 2 {
			st = blocked[s.pick(len(blocked), "bad", i, k)]
			row.Action = "blocked"
		}
		row.URL, row.CategoryKey, row.RiskScore = st.url, st.category, st.risk
		out = append(out, row)
	}
	return out
}

// AddURLLog appends a row to a customer's URL log. Its time is kept to the millisecond,
// as DefensX writes it.
func (s *Sim) AddURLLog(customerID string, row URLLog) error {
	row.CreatedAt = row.CreatedAt.UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, found := s.byID[customerID]; !found {
		return fmt.Errorf("dxsim: no customer %s", customerID)
	}
	s.logs[customerID] = append(s.logs[customerID], row)
	return nil
}

// AddBlock logs a block of rawURL at at, by the customer's first user on its first agent.
func (s *Sim) AddBlock(customerID, rawURL string, at time.Time) (URLLog, error) {
	s.mu.Lock()
	c, found := s.byID[customerID]
	var userID string
	if found {
		userID = c.users[0].id
	}
	s.mu.Unlock()
	if !found {
		return URLLog{}, fmt.Errorf("dxsim: no customer %s", customerID)
	}
	row := URLLog{
		CreatedAt: at.UTC().Truncate(time.Millisecond), UserID: userID, AgentID: c.agents[0].id,
		Action: "blocked", URL: rawURL, Source: "extension", SubType: "url",
		RiskScore: "90", CategoryKey: "CAT_MALWARE",
	}
	return row, s.AddURLLog(customerID, row)
}

// logPageLimit is the logs' default and largest page.
const logPageLimit = 5000

// urlLogs answers GET /customers/{id}/logs/urls: the rows in [start_date, end_date], both
// included, newest first, with the paging object. The window defaults to the current month.
func (s *Sim) urlLogs(customerID string, q url.Values) reply {
	rows, found := s.logs[customerID]
	if !found {
		return apiError(http.StatusNotFound, "Customer not found")
	}
	now := s.now()
	start, end := monthStart(now), monthStart(now).AddDate(0, 1, 0).Add(-time.Millisecond)
	var err error
	if v := q.Get("start_date"); v != "" {
		if start, err = parseLogDate(v); err != nil {
			return apiError(http.StatusUnprocessableEntity, "start_date must be a JSON datetime or a unix timestamp")
		}
	}
	if v := q.Get("end_date"); v != "" {
		if end, err = parseLogDate(v); err != nil {
			return apiError(http.StatusUnprocessableEntity, "end_date must be a JSON datetime or a unix timestamp")
		}
	}
	page, limit, bad := paging(q, logPageLimit)
	if bad != nil {
		return *bad
	}
	var in []URLLog
	for _, r := range rows {
		if !r.CreatedAt.Before(start) && !r.CreatedAt.After(end) {
			in = append(in, r)
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].CreatedAt.After(in[j].CreatedAt) })
	items := []urlLogBody{}
	for _, r := range pageOf(in, page, limit) {
		items = append(items, urlLogBody{
			CreatedAt: jsTime(r.CreatedAt), UserID: r.UserID, AgentID: r.AgentID, Action: r.Action,
			URL: r.URL, Source: r.Source, SubType: r.SubType, RiskScore: r.RiskScore, CategoryKey: r.CategoryKey,
		})
	}
	return ok(pagedBody(items, page, limit, len(in)))
}

// parseLogDate reads a JSON datetime or a unix timestamp (seconds, or milliseconds when
// that large).
func parseLogDate(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err
}
