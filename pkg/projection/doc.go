// Package projection moves events from the SUNDFLOW_EVENTS stream into
// ClickHouse: the projector behind consumers/projector. A [Projector] is a
// member of a durable pull consumer (several processes may share it),
// fetches batches by count and time, decodes and validates each message
// (structured or binary CloudEvents), inserts the batch through
// pkg/store and acknowledges it only after ClickHouse accepted it.
// Poison (an event that fails the contract, cannot be stored, or keeps
// coming back) is terminated and recorded in the dead-letter stream with
// the reason; the events behind it keep flowing.
//
// [Replay] rebuilds every table from the stream's first event into a
// fresh database and swaps the tables in, so a schema change or a fix
// never needs a source to send anything again.
//
// Exactness does not rest on exactly-once delivery: JetStream delivers at
// least once (a crash between insert and ack, a redelivery after a
// timeout, a source re-sending outside the duplicate window) and the
// tables collapse repeats by the event's source and id (see pkg/store).
package projection
