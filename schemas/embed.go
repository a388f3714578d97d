// Package schemas holds the JSON Schemas (draft 2020-12) of every sundflow
// event's data and the AsyncAPI description of the NATS subjects. They are
// the contract source systems are held to: pkg/event compiles them at start
// and every event is validated against the schema of its type before it is
// stored.
package schemas

import "embed"

// FS holds every schema file, named as in this folder.
//
//go:embed *.json asyncapi.yaml
var FS embed.FS

// BaseURI is the prefix of every schema's $id; an event's dataschema is
// BaseURI + its type + ".json".
const BaseURI = "https://sundflow.org/schemas/"
