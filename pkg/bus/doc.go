// Package bus is sundflow's side of NATS JetStream: the streams every
// program relies on, declared once as data and applied idempotently at
// start, and the embedded nats-server the gateway runs when no external
// server is given. The gateway publishes accepted events to the events
// stream; the projector consumes it and sends poison to the dead-letter
// stream.
package bus
