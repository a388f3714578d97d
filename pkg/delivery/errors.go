package delivery

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrRefused is matched by a [*StatusError] for a 4xx answer that is
	// not retried: the gateway says the request is wrong (bad token, source
	// not allowed, unsupported content type, too large, malformed batch).
	ErrRefused = errors.New("gateway refused the request")
	// ErrUnavailable is returned when the gateway could not be reached or
	// kept answering 5xx (or 408/429) until the attempts ran out.
	ErrUnavailable = errors.New("gateway unavailable")
	// ErrBadResponse is returned when a 2xx (or 400) answer cannot be read
	// as the batch answer the contract describes. The events may have
	// been stored; sending them again is safe.
	ErrBadResponse = errors.New("unreadable gateway response")
)

// StatusError is an HTTP answer that is not a batch result.
type StatusError struct {
	Code    int
	Problem *Problem // the problem+json document, when the gateway sent one
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gateway answered %d", e.Code)
	if e.Problem != nil {
		if e.Problem.Title != "" {
			fmt.Fprintf(&b, " %s", e.Problem.Title)
		}
		if e.Problem.Detail != "" {
			fmt.Fprintf(&b, ": %s", e.Problem.Detail)
		}
	}
	return b.String()
}

// Is matches [ErrRefused] for 4xx codes and [ErrUnavailable] for the rest.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrRefused:
		return e.Code >= 400 && e.Code < 500 && !retryable(e.Code)
	case ErrUnavailable:
		return e.Code >= 500 || retryable(e.Code)
	}
	return false
}
