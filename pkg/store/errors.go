package store

import "errors"

// ErrUnmappable is matched when a valid event cannot become a row (a date
// ClickHouse cannot hold, a number out of its column's range, data that
// does not decode into its type's shape). Retrying cannot help: the
// projector dead-letters such an event.
var ErrUnmappable = errors.New("event cannot be stored")

// ErrMigrationChanged is matched when an applied migration's SQL differs
// from the one recorded when it was applied: migrations are append-only;
// change the schema with a new one.
var ErrMigrationChanged = errors.New("applied migration changed")

// ErrCountMismatch is matched when a rebuilt projection does not hold
// exactly the events read from the stream.
var ErrCountMismatch = errors.New("projection count mismatch")
