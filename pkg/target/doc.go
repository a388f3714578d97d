// Package target holds what the projects promised and how far they have
// come: the project and indicator configuration (YAML under
// deploy/targets/, loaded with the file and line of every mistake), the
// catalogue of metrics an indicator can be measured by, the SQL that
// measures a metric over the projector's deduplicated, retraction-aware
// ClickHouse views, and the pure arithmetic of progress, pace, status and
// forecast.
//
// It sits at the end of the pipeline: the projector fills ClickHouse,
// this package reads it, and consumers/dashboard shows the result to
// project managers and Prometheus.
package target
