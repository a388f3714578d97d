package simulation

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Project is the project the simulated sources work for.
type Project struct {
	ID         string    // e.g. job-paa-tvaers
	Start, End time.Time // first and last day
}

// JobPaaTvaers is Job på Tværs (seed 001): Helsingborgs stad, Helsingør
// Kommune and Arbetsförmedlingen, 2018-01-01 to 2020-12-31.
var JobPaaTvaers = Project{
	ID:    "job-paa-tvaers",
	Start: time.Date(2018, 1, 1, 0, 0, 0, 0, copenhagen),
	End:   time.Date(2020, 12, 31, 0, 0, 0, 0, copenhagen),
}

// Config sets up a [Generator]. The zero value, with a seed, simulates
// Job på Tværs at its own size.
type Config struct {
	Seed    uint64
	Project Project // default JobPaaTvaers
	// Scale multiplies every population and rate (default 1: about 245
	// persons placed, 650 vacancies, 1,000 fair sign-ups, 5,000 events).
	// 70 is roughly the whole Øresund region's commuter flow.
	Scale float64
	// SourcePrefix starts every event source (default /sim/<project id>),
	// so that one gateway token allowed the prefix covers every simulated
	// source.
	SourcePrefix string
	// Key derives the person pseudonyms (default: derived from the seed).
	Key []byte
	// SEtoDK is the share of placed persons who live in Sweden and work in
	// Denmark (default 0.94); the rest go Denmark→Sweden.
	SEtoDK float64
	// LateShare of events are sent 2 to 45 days after they happened
	// (default 0.05); DuplicateShare are sent a second time (default 0.03);
	// RetractShare of placements and sign-ups are retracted later, half of
	// them with a corrected event (default 0.015). A negative value means 0.
	LateShare, DuplicateShare, RetractShare float64
}

var projectID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

func (c *Config) setDefaults() {
	if c.Project.ID == "" {
		c.Project = JobPaaTvaers
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.SourcePrefix == "" {
		c.SourcePrefix = "/sim/" + c.Project.ID
	}
	if c.Key == nil {
		c.Key = fmt.Appendf(nil, "sundflow-simulation-key-%d", c.Seed)
	}
	if c.SEtoDK == 0 {
		c.SEtoDK = 0.94
	}
	share := func(v *float64, def float64) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	share(&c.LateShare, 0.05)
	share(&c.DuplicateShare, 0.03)
	share(&c.RetractShare, 0.015)
}

// Validate checks a config after defaults.
func (c *Config) Validate() error {
	switch {
	case !projectID.MatchString(c.Project.ID):
		return fmt.Errorf("project id %q: lower-case letters, digits and hyphens, 2 to 64", c.Project.ID)
	case c.Project.Start.IsZero() || !c.Project.End.After(c.Project.Start):
		return errors.New("project period: the end must be after the start")
	case c.Scale <= 0 || c.Scale > 10000:
		return fmt.Errorf("scale %v: must be in (0, 10000]", c.Scale)
	case c.SEtoDK < 0 || c.SEtoDK > 1:
		return fmt.Errorf("SE->DK share %v: must be in [0, 1]", c.SEtoDK)
	case c.LateShare > 1 || c.DuplicateShare > 1 || c.RetractShare > 1:
		return errors.New("late, duplicate and retract shares must be at most 1")
	}
	return nil
}
