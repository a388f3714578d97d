package main

import "context"

// migrateCmd applies the migrations and exits.
type migrateCmd struct {
	Config `embed:""`
}

func (c *migrateCmd) Run(ctx context.Context) error {
	log := newLogger(c.LogFormat, c.LogLevel)
	d, err := open(ctx, c.Config, log, false)
	if err != nil {
		log.Error("projector migrate failed", "err", err)
		return err
	}
	defer d.close(log)
	if err := migrate(ctx, d.ch, c.Database, log); err != nil {
		log.Error("projector migrate failed", "err", err)
		return err
	}
	return nil
}
