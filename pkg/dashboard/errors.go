package dashboard

import "errors"

var (
	// ErrBadRequest: a query parameter is missing or not understood.
	ErrBadRequest = errors.New("bad request")
	// ErrNoFigures: the figures have not been computed yet (ClickHouse
	// not reachable since start).
	ErrNoFigures = errors.New("figures not computed yet")
)
