// Package delivery takes events a producer has built (producers/csvimport,
// producers/jobtech, producers/simulate) to where they are stored: the
// ingest gateway's POST /v1/events ([Client]) or, for a dry run, a file of
// JSON lines ([Lines]). Both have the same Publish method, so a producer
// declares a one-method Sink interface of its own and does not care which
// one it was given.
//
// [Client] honours the gateway's batch contract: it splits a slice of
// events into batches of a configured size, posts each as
// application/cloudevents-batch+json and reads the per-event answer
// (accepted, duplicate, rejected with problems). It retries 503, other
// 5xx, 408, 429 and connection errors with exponential backoff, waiting
// at least what Retry-After asks; this is safe because every producer gives
// its events deterministic ids, so the gateway stores a re-sent event once.
// It never retries other 4xx answers: those say the request itself is
// wrong. A 413 for a batch of more than one event is not retried either:
// the batch is split in two and each half is sent.
package delivery
