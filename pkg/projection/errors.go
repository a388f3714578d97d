package projection

import "errors"

// ErrConfig is matched by every configuration error.
var ErrConfig = errors.New("invalid projector configuration")
