// Package faulttest proves the pipeline under faults and load with real
// processes on loopback: the ingest gateway, projector and dashboard
// built from this module and run as subprocesses (pkg/stack), nats-server
// in-process (a three-node cluster from deploy/nats/cluster.conf), a real
// clickhouse-server. Each test prints what it tried and what it found:
// events sent, acknowledged, stored, rejected. It also holds the
// end-to-end benchmarks of `make bench`.
//
// It is a test-only package: nothing here ships.
package faulttest
