// Package chserver runs a real clickhouse-server process from a generated
// configuration: the store behind the projector for tests, benchmarks and
// `make run`. Production runs ClickHouse as a service of its own; the
// evaluator profile generated here matches deploy/clickhouse/users.d.
//
// Everything the server writes (data, temporary files, logs) stays under
// [Config.Dir], so restarting a [Server] on the same Dir finds its tables
// again, which the fault tests rely on after [Server.Kill].
package chserver
