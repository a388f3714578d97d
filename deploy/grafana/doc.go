// Package grafana holds Grafana provisioning for teams that already run
// Grafana: the Prometheus and ClickHouse (grafana-clickhouse-datasource)
// data sources and a dashboard with the same figures as sundflow's own
// dashboard plus the pipeline's health. Its test checks every panel's
// data source, PromQL (with promtool) and SQL (against a real ClickHouse
// with the projector's schema).
package grafana
