// Package attest lets the ingest gateway vouch for the events it stored,
// so the projector need not check them a second time.
//
// Where it sits: the gateway (pkg/gateway) validates every event fully
// before it publishes it to JetStream and adds a [Header] holding an
// HMAC-SHA256 of the message's subject, Nats-Msg-Id and payload under a
// key that only the gateway and the projector hold. The projector
// (pkg/projection) decodes a message whose attestation verifies without
// re-running the schema, code, rule and privacy checks, which were most of
// its CPU per event. Every other message (one a source system published
// straight to NATS, one with a missing, forged or stale attestation, or
// any message when no key is configured) gets the full check, so the key
// only ever saves work; it never lets an unchecked event in.
package attest
