package delivery

import "github.com/sundflow/sundflow/pkg/event"

// Status is the gateway's verdict on one event.
type Status string

// The statuses of the gateway's batch answer.
const (
	StatusAccepted  Status = "accepted"  // stored now
	StatusDuplicate Status = "duplicate" // stored before (same source and id); nothing stored twice
	StatusRejected  Status = "rejected"  // not stored; Problems says why
)

// EventResult is the answer for one event.
type EventResult struct {
	// Index is the event's position in the slice given to Publish (not in
	// the batch it travelled in).
	Index    int             `json:"index"`
	ID       string          `json:"id,omitempty"`
	Source   string          `json:"source,omitempty"`
	Status   Status          `json:"status"`
	Problems []event.Problem `json:"problems,omitempty"`
}

// Result sums up one Publish call. Results holds one entry per event
// that got an answer, in order; when Publish returns an error, the events
// after the last entry got none and were not (known to be) stored.
type Result struct {
	Accepted   int           `json:"accepted"`
	Duplicates int           `json:"duplicates"`
	Rejected   int           `json:"rejected"`
	Results    []EventResult `json:"results"`
}

// Stored is how many events are now in the store: accepted ones and those
// that were there already.
func (r Result) Stored() int { return r.Accepted + r.Duplicates }

// add appends b's answers with their indices moved by offset.
func (r *Result) add(b Result, offset int) {
	r.Accepted += b.Accepted
	r.Duplicates += b.Duplicates
	r.Rejected += b.Rejected
	for _, er := range b.Results {
		er.Index += offset
		r.Results = append(r.Results, er)
	}
}

// Problem is an RFC 9457 problem document as the gateway sends it; for a
// batch where every event was rejected it also carries the per-event
// answers.
type Problem struct {
	Type     string          `json:"type,omitempty"`
	Title    string          `json:"title,omitempty"`
	Status   int             `json:"status,omitempty"`
	Detail   string          `json:"detail,omitempty"`
	Instance string          `json:"instance,omitempty"`
	Problems []event.Problem `json:"problems,omitempty"`

	Accepted   int           `json:"accepted,omitempty"`
	Duplicates int           `json:"duplicates,omitempty"`
	Rejected   int           `json:"rejected,omitempty"`
	Results    []EventResult `json:"results,omitempty"`
}
