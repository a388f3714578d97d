package target

import "errors"

var (
	// ErrConfig is matched by every configuration error (see [ConfigError]).
	ErrConfig = errors.New("invalid target configuration")
	// ErrUnknownMetric: a measure names a metric that is not in [Metrics].
	ErrUnknownMetric = errors.New("unknown metric")
	// ErrUnknownFilter: a filter is not allowed for the metric, or its value is not known.
	ErrUnknownFilter = errors.New("unknown filter")
	// ErrUnknownBreakdown: a breakdown dimension the metric cannot be split by.
	ErrUnknownBreakdown = errors.New("unknown breakdown")
	// ErrNotFound: no project or indicator with that id.
	ErrNotFound = errors.New("not found")
)
