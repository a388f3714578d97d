package auth

import "errors"

// ErrUnauthenticated is returned for a missing or unknown token.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden is matched by every [*ForbiddenError].
var ErrForbidden = errors.New("forbidden")

// ErrConfig is matched by every error in the token file.
var ErrConfig = errors.New("invalid token file")

// ForbiddenError says which attribute of an event the client may not send.
type ForbiddenError struct {
	Client    string // the token's name
	Attribute string // "source" or "type"
	Value     string // the event's source or type
}

func (e *ForbiddenError) Error() string {
	return "token " + e.Client + " may not send events with " + e.Attribute + " " + e.Value
}

// Is makes errors.Is(err, ErrForbidden) hold.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }
