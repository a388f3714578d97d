package dashboard

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sundflow/sundflow/pkg/target"
)

// metrics are the dashboard's own request metrics plus a collector that
// reads every indicator from the cached figures at scrape time, so
// /metrics, the pages and the API show the same numbers.
type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	refreshes     prometheus.Counter
	refreshErrors prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, s *Server) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sundflow_dashboard_http_requests_total",
			Help: "HTTP requests served by the dashboard, by handler and status code.",
		}, []string{"handler", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sundflow_dashboard_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by handler.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"handler"}),
		refreshes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sundflow_dashboard_refreshes_total",
			Help: "Successful recomputations of every indicator from ClickHouse.",
		}),
		refreshErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sundflow_dashboard_refresh_errors_total",
			Help: "Recomputations that failed (ClickHouse unreachable or a query failed); the previous figures stay in use.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.refreshes, m.refreshErrors, &figureCollector{s: s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (m *metrics) instrument(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.requests.WithLabelValues(name, strconv.Itoa(rec.code)).Inc()
		m.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	})
}

func (m *metrics) handler(g prometheus.Gatherer) http.Handler {
	return m.instrument("metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}

var (
	labels      = []string{"project", "indicator"}
	descValue   = prometheus.NewDesc("sundflow_indicator_value", "Measured value of an indicator (people, fairs... as its unit says), computed exactly in ClickHouse.", labels, nil)
	descTarget  = prometheus.NewDesc("sundflow_indicator_target", "Final target of an indicator, from its source document.", labels, nil)
	descRatio   = prometheus.NewDesc("sundflow_indicator_progress_ratio", "Value over target (1 = target reached).", labels, nil)
	descExpect  = prometheus.NewDesc("sundflow_indicator_expected", "Value the plan (linear from baseline to target, through milestones) asks for by today.", labels, nil)
	descPace    = prometheus.NewDesc("sundflow_indicator_pace_ratio", "Gain since the start over the planned gain by today (1 = on plan; counts and sums only).", labels, nil)
	descFcast   = prometheus.NewDesc("sundflow_indicator_forecast", "Value at the end date if the run rate of the last 90 days holds (absent when too early or after the end).", labels, nil)
	descStatus  = prometheus.NewDesc("sundflow_indicator_status", "1 for the indicator's current status, 0 for the others.", append(labels, "status"), nil)
	descEndTS   = prometheus.NewDesc("sundflow_indicator_end_timestamp_seconds", "End of the indicator's project period (the last day's end), Unix time.", labels, nil)
	descNewest  = prometheus.NewDesc("sundflow_dashboard_newest_event_timestamp_seconds", "CloudEvents time of the newest projected event, Unix time.", nil, nil)
	descProj    = prometheus.NewDesc("sundflow_dashboard_newest_projection_timestamp_seconds", "When the projector last inserted an event, Unix time.", nil, nil)
	descFigures = prometheus.NewDesc("sundflow_dashboard_figures_timestamp_seconds", "When the cached figures were computed, Unix time.", nil, nil)
)

// figureCollector reads the cached snapshot at scrape time; it never
// queries ClickHouse itself, so a scrape is cheap and cannot pile up.
type figureCollector struct{ s *Server }

func (c *figureCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descValue, descTarget, descRatio, descExpect, descPace, descFcast, descStatus, descEndTS, descNewest, descProj, descFigures} {
		ch <- d
	}
}

func (c *figureCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.cached()
	if snap == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descFigures, prometheus.GaugeValue, float64(snap.computedAt.Unix()))
	if snap.fresh.Events > 0 {
		ch <- prometheus.MustNewConstMetric(descNewest, prometheus.GaugeValue, float64(snap.fresh.NewestEvent.Unix()))
		ch <- prometheus.MustNewConstMetric(descProj, prometheus.GaugeValue, float64(snap.fresh.NewestProjected.Unix()))
	}
	for _, pf := range snap.projects {
		end := pf.p.Period.End.Add(24*time.Hour - time.Second)
		for _, f := range pf.inds {
			lv := []string{pf.p.ID, f.ind.ID}
			ch <- prometheus.MustNewConstMetric(descTarget, prometheus.GaugeValue, f.ind.Target, lv...)
			ch <- prometheus.MustNewConstMetric(descEndTS, prometheus.GaugeValue, float64(end.Unix()), lv...)
			if f.err != nil || !f.prog.HasValue {
				continue
			}
			pr := f.prog
			ch <- prometheus.MustNewConstMetric(descValue, prometheus.GaugeValue, pr.Value, lv...)
			if f.ind.Target > 0 {
				ch <- prometheus.MustNewConstMetric(descRatio, prometheus.GaugeValue, pr.Value/f.ind.Target, lv...)
			}
			ch <- prometheus.MustNewConstMetric(descExpect, prometheus.GaugeValue, pr.Expected, lv...)
			if f.metric.Agg != target.Mean {
				ch <- prometheus.MustNewConstMetric(descPace, prometheus.GaugeValue, pr.Pace, lv...)
			}
			if pr.ForecastKnown {
				ch <- prometheus.MustNewConstMetric(descFcast, prometheus.GaugeValue, pr.Forecast, lv...)
			}
			for _, st := range target.Statuses {
				v := 0.0
				if st == pr.Status {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(descStatus, prometheus.GaugeValue, v, pf.p.ID, f.ind.ID, string(st))
			}
		}
	}
}
