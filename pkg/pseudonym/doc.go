// Package pseudonym derives the keyed pseudonyms that stand for persons
// in sundflow events. It runs at the very start of the pipeline, inside
// the source system (or its adapter under producers/), before anything
// leaves it: a national id goes in, a 64-character hex string comes out,
// and only that travels through the gateway, JetStream and ClickHouse.
// pkg/event accepts nothing else as a person reference.
package pseudonym
