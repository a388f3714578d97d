package event

import (
	"strings"

	"github.com/sundflow/sundflow/schemas"
)

// Type is a CloudEvents type attribute of an event sundflow accepts.
type Type string

// The event types of the contract, one JSON Schema each under schemas/.
const (
	VacancyPublished Type = "org.sundflow.vacancy.published.v1"
	VacancyClosed    Type = "org.sundflow.vacancy.closed.v1"
	FairScheduled    Type = "org.sundflow.fair.scheduled.v1"
	FairSignup       Type = "org.sundflow.fair.signup.v1"
	CourseCompleted  Type = "org.sundflow.course.completed.v1"
	PlacementStarted Type = "org.sundflow.placement.started.v1"
	PlacementEnded   Type = "org.sundflow.placement.ended.v1"
	EventRetracted   Type = "org.sundflow.event.retracted.v1"
)

// Types lists every known type in catalogue order.
var Types = []Type{
	VacancyPublished, VacancyClosed,
	FairScheduled, FairSignup,
	CourseCompleted,
	PlacementStarted, PlacementEnded,
	EventRetracted,
}

const typePrefix = "org.sundflow."

// SubjectPrefix is the first part of every NATS subject that carries
// accepted events; the events stream listens on SubjectPrefix + ">".
const SubjectPrefix = "sundflow.events."

// Known reports whether t is one of [Types].
func (t Type) Known() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Family is the second part of the type: vacancy, fair, course, placement
// or event (for retractions).
func (t Type) Family() string {
	rest := strings.TrimPrefix(string(t), typePrefix)
	family, _, _ := strings.Cut(rest, ".")
	return family
}

// Subject is the NATS subject events of type t are stored under, e.g.
// sundflow.events.placement.started.v1.
func (t Type) Subject() string {
	if n, ok := typeNames[t]; ok {
		return n.subject
	}
	return SubjectPrefix + strings.TrimPrefix(string(t), typePrefix)
}

// SchemaURI is the $id of t's data schema, used as the event's dataschema.
func (t Type) SchemaURI() string {
	if n, ok := typeNames[t]; ok {
		return n.schemaURI
	}
	return schemas.BaseURI + string(t) + ".json"
}

// typeNames holds the known types' subjects and schema URIs, built once:
// the gateway and the projector ask for them for every event.
var typeNames = func() map[Type]struct{ subject, schemaURI string } {
	m := make(map[Type]struct{ subject, schemaURI string }, len(Types))
	for _, t := range Types {
		m[t] = struct{ subject, schemaURI string }{
			SubjectPrefix + strings.TrimPrefix(string(t), typePrefix),
			schemas.BaseURI + string(t) + ".json",
		}
	}
	return m
}()

// TypeOfSubject is the inverse of [Type.Subject]; ok is false for a
// subject that carries no known type.
func TypeOfSubject(subject string) (t Type, ok bool) {
	if !strings.HasPrefix(subject, SubjectPrefix) {
		return "", false
	}
	t = Type(typePrefix + strings.TrimPrefix(subject, SubjectPrefix))
	return t, t.Known()
}
