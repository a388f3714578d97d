// Package dashboard is the web application project managers open: every
// project's targets with value, pace, forecast and status, burn-up charts,
// breakdowns, the funnel from fair to job, vacancies and the Øresund
// balance, in English, Danish and Swedish. It sits at the end of the
// pipeline, reading the projector's ClickHouse views through pkg/target;
// every page is drawn from the same figures its JSON API (/api/...)
// returns, every table downloads as CSV, and /metrics exposes each
// indicator to Prometheus. consumers/dashboard is its thin main.
//
// All assets (templates, CSS, JavaScript, Apache ECharts) are embedded:
// the dashboard works offline and loads nothing from a CDN.
package dashboard
