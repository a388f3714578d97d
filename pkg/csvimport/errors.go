package csvimport

import "errors"

var (
	// ErrMapping is matched by every error in a mapping file.
	ErrMapping = errors.New("invalid column mapping")
	// ErrFile is matched by errors about the CSV file as a whole (no
	// header, unreadable, wrong encoding, a mapped column missing).
	ErrFile = errors.New("unusable CSV file")
	// ErrRowsRejected is returned by [Importer.Run] when the import
	// finished but some rows were not stored; the [Report] lists them.
	ErrRowsRejected = errors.New("rows rejected")
)
