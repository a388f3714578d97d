package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sundflow/sundflow/pkg/event"
)

// ProblemTypeBase starts the type URI of every problem the gateway
// answers with; the README lists them.
const ProblemTypeBase = "https://sundflow.org/problems/"

// The problem types, the last part of their type URI.
const (
	ProblemInvalid          = "invalid-event"
	ProblemUnauthenticated  = "unauthenticated"
	ProblemForbidden        = "forbidden"
	ProblemTooLarge         = "too-large"
	ProblemUnsupportedMedia = "unsupported-media-type"
	ProblemMethod           = "method-not-allowed"
	ProblemNotFound         = "not-found"
	ProblemUnavailable      = "unavailable"
	ProblemNotReady         = "not-ready"
)

// Problem is an RFC 9457 problem document with sundflow's extension
// members: the validation problems of a single event, or the per-event
// answers of a batch of which nothing was stored.
type Problem struct {
	Type     string          `json:"type"`
	Title    string          `json:"title"`
	Status   int             `json:"status"`
	Detail   string          `json:"detail,omitempty"`
	Instance string          `json:"instance,omitempty"`
	Problems []event.Problem `json:"problems,omitempty"`

	// Batch members, for a batch where nothing was stored.
	Accepted   *int          `json:"accepted,omitempty"`
	Duplicates *int          `json:"duplicates,omitempty"`
	Rejected   *int          `json:"rejected,omitempty"`
	Results    []EventResult `json:"results,omitempty"`
}

func newProblem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: ProblemTypeBase + kind, Title: title, Status: status, Detail: detail}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <token> and R&D readable
	err := enc.Encode(v)
	b := buf.Bytes()
	if err != nil {
		// Only our own types go here; they always encode.
		http.Error(w, "encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" {
		p.Instance = requestURN(r)
	}
	writeJSON(w, p.Status, "application/problem+json", p)
}
