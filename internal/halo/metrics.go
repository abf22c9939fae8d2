package halo

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts the requests sent to Halo (API and token endpoint) by method, path template
// and status, so that requests per alert or per sync can be watched.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// statusError labels requests that got no HTTP answer.
const statusError = "error"

// NewMetrics creates the collectors and registers them on reg (when not nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "halobridge_halo_requests_total",
			Help: "Requests sent to HaloPSA, by method, path template and HTTP status (\"error\" when no answer came).",
		}, []string{"method", "path", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "halobridge_halo_request_duration_seconds",
			Help:    "Duration of requests sent to HaloPSA, by method and path template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "path"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

func (m *Metrics) observe(method, pathTemplate, status string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, pathTemplate, status).Inc()
	m.duration.WithLabelValues(method, pathTemplate).Observe(took.Seconds())
}
