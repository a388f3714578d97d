// Package bus is sundflow's side of NATS JetStream: the streams every
// program relies on, declared once as data and applied idempotently at
// start; the embedded nats-server the gateway runs when no external
// server is given; [Connect] for every program; and the [Publisher] the
// gateway stores accepted events with (message ids, asynchronous publish,
// an answer only once JetStream acknowledged). The projector consumes the
// events stream and sends poison to the dead-letter stream.
package bus
