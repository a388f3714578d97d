// Package prometheus holds the Prometheus side of operating sundflow: the
// scrape configuration for every program (ingest, projector, dashboard),
// the alert rules and their promtool unit tests. It has no Go code to
// run; its test runs `promtool check config` and `promtool test rules`
// so `make test` fails when the configuration or a rule breaks.
package prometheus
