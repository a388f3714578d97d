// Package store is sundflow's ClickHouse side: the schema (versioned SQL
// migrations embedded in the binary and applied idempotently), the mapping
// of each validated CloudEvent to a row of the raw events table and of its
// typed table, and the batched native-protocol writer the projector
// (pkg/projection) calls after reading the SUNDFLOW_EVENTS stream.
// Evaluators and the dashboard read the views the migrations create; they
// are documented in deploy/clickhouse/README.md.
//
// Exactness rests on the key: every table is a ReplacingMergeTree ordered
// by the event's (source, id), so writing the same event twice is
// harmless, and the views read FINAL and drop retracted events before they
// aggregate.
package store
