// Package stack runs sundflow's programs as real operating-system
// processes: it builds them with the go tool, starts each with its flags
// in its own process group, waits until it answers over HTTP, stops them
// in order (SIGINT, then SIGKILL after a grace period) and kills them as a
// crash would (SIGKILL), reading their memory from /proc on the way.
//
// It sits beside the pipeline, not in it: `make run` (deploy/local/run)
// starts the whole local pipeline with [Local] — ClickHouse, the ingest
// gateway with its embedded JetStream, the projector, the dashboard and
// the simulated sources — and the fault tests and end-to-end benchmarks
// (deploy/faulttest) use the same pieces to kill and restart them.
package stack
