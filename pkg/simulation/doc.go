// Package simulation is a set of synthetic source systems for one
// project: job centres publishing vacancies and reporting cross-border
// placements, a fair organiser's sign-up form, a vocational school's
// course completions. It stands in for real sources at the start of the
// pipeline: producers/simulate sends its events to the ingest gateway,
// and tests and benchmarks of the gateway, the projector and the
// dashboard generate events in-process with a [Generator].
//
// Everything is reproducible from a seed, and the generator keeps the
// ground truth of what it has emitted ([Truth]): distinct persons placed
// Sweden→Denmark, placements by sector, sign-ups by action, and so on,
// after duplicates and retractions, so a test can check any projection
// of the events against figures known by construction.
//
// The sources misbehave the way real ones do: some events arrive late
// (sent days after events that happened later), some are sent twice, and
// a few are retracted afterwards (some with a corrected event under a new
// id). Persons are 64-hex pseudonyms derived with package pseudonym from
// synthetic ids; no real person is involved.
package simulation
