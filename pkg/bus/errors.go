package bus

import "errors"

// ErrUnavailable is matched by every publish failure that is JetStream's
// fault rather than the message's: not connected, no stream answering,
// storage refused, or no acknowledgement in time. The caller should try
// again later; nothing it was told is stored is lost, but some messages of
// a failed call may be stored (a retry with the same message ids is safe).
var ErrUnavailable = errors.New("jetstream unavailable")

// ErrNotReady is matched by [CheckReady] when the connection or a stream
// is missing.
var ErrNotReady = errors.New("jetstream not ready")
