// Package gateway is the HTTP front door of sundflow: source systems post
// CloudEvents (HTTP binding 1.0.2: binary, structured and batch mode) to
// POST /v1/events; the gateway authenticates the token ([auth]), checks
// every event against the contract ([event.Validator]), stores the
// accepted ones in the JetStream events stream ([bus.Publisher]) and
// answers 2xx only once JetStream acknowledged each of them. From there
// the projector (consumers/projector) takes them into ClickHouse.
//
// Every error answer is an RFC 9457 problem document
// (application/problem+json) naming what is wrong and how to fix it.
package gateway
