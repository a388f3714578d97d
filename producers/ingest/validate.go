package main

import (
	"context"
	"errors"
)

// validateCmd: TEMPORARY, replaced by the validator's implementation.
type validateCmd struct{}

func (c *validateCmd) Run(ctx context.Context) error { return errors.New("not implemented") }
