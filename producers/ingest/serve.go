package main

import (
	"context"
	"errors"
)

// serveCmd: TEMPORARY, replaced by the gateway's implementation.
type serveCmd struct{}

func (c *serveCmd) Run(ctx context.Context) error { return errors.New("not implemented") }
