package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// The content modes of the CloudEvents HTTP binding.
const (
	modeBinary     = "binary"
	modeStructured = "structured"
	modeBatch      = "batch"
)

// Media types of the structured and batch modes, and of a stored event.
const (
	StructuredContentType = "application/cloudevents+json"
	BatchContentType      = "application/cloudevents-batch+json"
)

const supportedModes = "application/cloudevents+json (structured mode), " +
	"application/cloudevents-batch+json (batch mode), or binary mode: " +
	"ce-specversion, ce-id, ce-source, ce-type headers with Content-Type application/json"

// Event statuses in answers.
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// EventResult is the answer for one event. For a single event the
// gateway answers with ID, Source and Status only.
type EventResult struct {
	Index    *int            `json:"index,omitempty"`
	ID       string          `json:"id"`
	Source   string          `json:"source"`
	Status   string          `json:"status"`
	Problems []event.Problem `json:"problems,omitempty"`
}

// BatchResult is the answer to a batch.
type BatchResult struct {
	Accepted   int           `json:"accepted"`
	Duplicates int           `json:"duplicates"`
	Rejected   int           `json:"rejected"`
	Results    []EventResult `json:"results"`
}

// item is one event of a request on its way through.
type item struct {
	ev ce.Event
	// typ and source of ev, taken once: the SDK renders source from a
	// url.URL at every call.
	typ       string
	source    string
	problems  []event.Problem
	forbidden bool   // rejected by authorisation, not validation
	tooLarge  bool   // rejected for its size
	data      []byte // the stored form, once valid
	msg       int    // index into the request's messages, -1 if none
	status    string
}

func (g *Gateway) serveEvents(w http.ResponseWriter, r *http.Request) {
	g.m.inFlight.Inc()
	defer g.m.inFlight.Dec()

	client, ok := g.authenticate(w, r)
	if !ok {
		return
	}
	mode, contentType, p := detectMode(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	body, p := g.readBody(w, r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	g.m.bodyBytes.WithLabelValues(mode).Observe(float64(len(body)))

	items, p := g.parse(r, mode, contentType, body)
	if p != nil {
		writeProblem(w, r, p)
		return
	}

	msgs := make([]bus.Message, 0, len(items))
	for i := range items {
		it := &items[i]
		it.msg = -1
		if it.problems != nil {
			continue
		}
		if err := client.Allow(it.source, event.Type(it.typ)); err != nil {
			it.problems, it.forbidden = []event.Problem{forbiddenProblem(err)}, true
			continue
		}
		it.msg = len(msgs)
		subject, msgID := event.Type(it.typ).Subject(), event.MessageID(it.source, it.ev.ID())
		msgs = append(msgs, bus.Message{
			Subject:     subject,
			MsgID:       msgID,
			ContentType: StructuredContentType,
			Data:        it.data,
			Attestation: g.attest.Sign(subject, msgID, it.data),
		})
	}

	began := time.Now()
	acks, err := g.pub.PublishAll(r.Context(), msgs)
	if len(msgs) > 0 {
		g.m.publish.Observe(time.Since(began).Seconds())
	}
	if err != nil {
		g.unavailable(w, r, items, len(msgs), err)
		return
	}
	for _, a := range acks {
		if a.Conflicts > 0 {
			g.m.inProcess.Add(float64(a.Conflicts))
		}
	}
	for i := range items {
		it := &items[i]
		switch {
		case it.msg < 0:
			it.status = StatusRejected
			g.m.events.WithLabelValues(typeLabel(it.typ), outcomeRejected).Inc()
		case acks[it.msg].Duplicate:
			it.status = StatusDuplicate
			g.m.events.WithLabelValues(typeLabel(it.typ), outcomeDuplicate).Inc()
		default:
			it.status = StatusAccepted
			g.m.events.WithLabelValues(typeLabel(it.typ), outcomeAccepted).Inc()
		}
	}
	if mode == modeBatch {
		g.answerBatch(w, r, items)
		return
	}
	g.answerOne(w, r, items[0])
}

// authenticate checks the bearer token and answers 401 when it is
// missing or unknown. The token is never logged.
func (g *Gateway) authenticate(w http.ResponseWriter, r *http.Request) (*auth.Client, bool) {
	const realm = `Bearer realm="sundflow-ingest"`
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", realm)
		writeProblem(w, r, newProblem(http.StatusUnauthorized, ProblemUnauthenticated, "Unauthorized",
			"send the source system's token as Authorization: Bearer <token>"))
		return nil, false
	}
	client, err := g.keys.Authenticate(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", realm+`, error="invalid_token"`)
		writeProblem(w, r, newProblem(http.StatusUnauthorized, ProblemUnauthenticated, "Unauthorized",
			"the bearer token is not known (revoked, mistyped, or for another installation)"))
		return nil, false
	}
	return client, true
}

// detectMode tells the content mode from the headers (HTTP binding 1.0.2,
// section 3): the cloudevents media types mean structured or batch mode,
// otherwise a ce-specversion header means binary mode.
func detectMode(r *http.Request) (mode, contentType string, p *Problem) {
	ct := r.Header.Get("Content-Type")
	unsupported := func(detail string) (string, string, *Problem) {
		return "", "", newProblem(http.StatusUnsupportedMediaType, ProblemUnsupportedMedia, "Unsupported Media Type",
			detail+"; supported: "+supportedModes)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if ct != "" && err != nil {
		return unsupported(fmt.Sprintf("Content-Type %q does not parse (%v)", ct, err))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupported(fmt.Sprintf("charset %q: only utf-8 is accepted", cs))
	}
	switch {
	case mt == StructuredContentType:
		return modeStructured, ct, nil
	case mt == BatchContentType:
		return modeBatch, ct, nil
	case strings.HasPrefix(mt, "application/cloudevents"):
		return unsupported(fmt.Sprintf("event format %q is not supported, only JSON", mt))
	case r.Header.Get("ce-specversion") == "":
		if ct == "" {
			return unsupported("no Content-Type and no ce-specversion header: the request is not a CloudEvent")
		}
		return unsupported(fmt.Sprintf("Content-Type %q without a ce-specversion header is not a CloudEvent", mt))
	case mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json"):
		return unsupported(fmt.Sprintf("binary mode with data of type %q: sundflow event data is JSON", mt))
	}
	return modeBinary, ct, nil
}

// readBody reads the whole body within the size limit.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Problem) {
	tooLarge := func() *Problem {
		return newProblem(http.StatusRequestEntityTooLarge, ProblemTooLarge, "Content Too Large",
			fmt.Sprintf("the body is larger than %d bytes; send fewer events per batch", g.limits.MaxBodyBytes))
	}
	if r.ContentLength > g.limits.MaxBodyBytes {
		return nil, tooLarge()
	}
	// Read into a buffer of the announced size (and room for the read
	// that finds the end), not one io.ReadAll doubles from 512 bytes: a
	// batch body is read once and copied no more.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, g.limits.MaxBodyBytes))
	b := buf.Bytes()
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, newProblem(http.StatusBadRequest, ProblemInvalid, "Bad Request", "could not read the body: "+err.Error())
	}
	return b, nil
}

// parse decodes and validates the events of the request. A problem means
// the request as a whole is refused.
func (g *Gateway) parse(r *http.Request, mode, contentType string, body []byte) ([]item, *Problem) {
	switch mode {
	case modeBatch:
		elems, err := splitBatch(body)
		if err != nil {
			p := newProblem(http.StatusBadRequest, ProblemInvalid, "Bad Request",
				"the body is not a JSON array of CloudEvents: "+err.Error())
			p.Problems = []event.Problem{{Path: "$", Rule: "batch", Message: err.Error()}}
			return nil, p
		}
		if len(elems) > g.limits.MaxBatchEvents {
			return nil, newProblem(http.StatusRequestEntityTooLarge, ProblemTooLarge, "Content Too Large",
				fmt.Sprintf("the batch holds %d events; at most %d are accepted per request, split it", len(elems), g.limits.MaxBatchEvents))
		}
		return g.validateBatch(elems), nil
	case modeStructured:
		ev, err := g.v.ParseStructured(body)
		return []item{g.prepare(ev, err)}, nil
	default:
		attrs, err := event.HTTPBinaryAttrs(r.Header)
		if err != nil {
			p := newProblem(http.StatusBadRequest, ProblemInvalid, "Bad Request",
				"the ce- headers do not follow the CloudEvents HTTP binding 1.0.2; see problems")
			p.Problems = problemsOf(err)
			return nil, p
		}
		ev, err := g.v.ParseBinary(attrs, contentType, body)
		return []item{g.prepare(ev, err)}, nil
	}
}

// prepare turns a parsed event into an item: with its problems if it is
// invalid, else with its stored form (structured JSON) within the size
// limit.
func (g *Gateway) prepare(ev ce.Event, err error) item {
	it := item{ev: ev, typ: ev.Type(), source: ev.Source(), problems: problemsOf(err)}
	if it.problems != nil {
		return it
	}
	data, err := event.Encode(ev)
	switch {
	case err != nil:
		it.problems = []event.Problem{{Path: "$", Rule: "encode", Message: "the event could not be encoded: " + err.Error()}}
	case len(data) > g.limits.MaxEventBytes:
		it.problems, it.tooLarge = []event.Problem{{Path: "$", Rule: "size.max", Message: fmt.Sprintf(
			"the event is %d bytes as structured JSON; at most %d are accepted", len(data), g.limits.MaxEventBytes)}}, true
	default:
		it.data = data
	}
	return it
}

// problemsOf lists the problems of a validation error; nil for nil.
func problemsOf(err error) []event.Problem {
	if err == nil {
		return nil
	}
	if ps := event.ProblemsOf(err); len(ps) > 0 {
		return ps
	}
	return []event.Problem{{Path: "$", Rule: "decode", Message: err.Error()}}
}

// invalidDetail sums up why an event was not stored.
func invalidDetail(ps []event.Problem) string {
	if len(ps) == 1 {
		return "the event was not stored: " + ps[0].String()
	}
	return fmt.Sprintf("the event was not stored: %d problems, listed in problems; the first: %s", len(ps), ps[0].String())
}

func forbiddenProblem(err error) event.Problem {
	var fe *auth.ForbiddenError
	if errors.As(err, &fe) {
		return event.Problem{Path: "$." + fe.Attribute, Rule: "auth." + fe.Attribute, Message: fmt.Sprintf(
			"token %q may not send events with %s %q; ask the operator to allow it in the token file", fe.Client, fe.Attribute, fe.Value)}
	}
	return event.Problem{Path: "$", Rule: "auth", Message: err.Error()}
}

// unavailable answers 503: JetStream did not confirm every event, so
// nothing of the request is reported stored.
func (g *Gateway) unavailable(w http.ResponseWriter, r *http.Request, items []item, published int, err error) {
	if errors.Is(err, nats.ErrMaxPayload) {
		writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, ProblemTooLarge, "Content Too Large",
			"an event is larger than the event store takes: "+err.Error()))
		return
	}
	for _, it := range items {
		outcome := outcomeUnavailable
		if it.msg < 0 {
			outcome = outcomeRejected
		}
		g.m.events.WithLabelValues(typeLabel(it.typ), outcome).Inc()
	}
	g.log.Warn("event store did not confirm; answered 503", "request_id", requestID(r), "events", published, "err", err)
	w.Header().Set("Retry-After", g.retryAfter)
	writeProblem(w, r, newProblem(http.StatusServiceUnavailable, ProblemUnavailable, "Service Unavailable",
		fmt.Sprintf("the event store (NATS JetStream) did not confirm storing the %d valid events of this request, so none is reported stored; "+
			"send the same request again after Retry-After: events that were stored meanwhile come back as duplicates, never twice", published)))
}

func (g *Gateway) answerOne(w http.ResponseWriter, r *http.Request, it item) {
	if it.status != StatusRejected {
		writeJSON(w, http.StatusAccepted, "application/json",
			EventResult{ID: it.ev.ID(), Source: it.source, Status: it.status})
		return
	}
	var p *Problem
	switch {
	case it.forbidden:
		p = newProblem(http.StatusForbidden, ProblemForbidden, "Forbidden", it.problems[0].Message)
	case it.tooLarge:
		p = newProblem(http.StatusRequestEntityTooLarge, ProblemTooLarge, "Content Too Large", it.problems[0].Message)
	default:
		p = newProblem(http.StatusBadRequest, ProblemInvalid, "Bad Request", invalidDetail(it.problems))
	}
	p.Problems = it.problems
	writeProblem(w, r, p)
}

// answerBatch answers 202 when nothing was rejected, 207 when some events
// were stored and some rejected, and a problem document carrying the same
// per-event results when nothing was stored: 403 when every event was
// refused by authorisation, else 400.
func (g *Gateway) answerBatch(w http.ResponseWriter, r *http.Request, items []item) {
	res := BatchResult{Results: make([]EventResult, len(items))}
	allForbidden := true
	for i, it := range items {
		idx := i
		res.Results[i] = EventResult{Index: &idx, ID: it.ev.ID(), Source: it.source, Status: it.status, Problems: it.problems}
		switch it.status {
		case StatusAccepted:
			res.Accepted++
		case StatusDuplicate:
			res.Duplicates++
		default:
			res.Rejected++
			allForbidden = allForbidden && it.forbidden
		}
	}
	switch {
	case res.Rejected == 0:
		writeJSON(w, http.StatusAccepted, "application/json", res)
	case res.Accepted+res.Duplicates > 0:
		writeJSON(w, http.StatusMultiStatus, "application/json", res)
	default:
		var p *Problem
		if allForbidden {
			p = newProblem(http.StatusForbidden, ProblemForbidden, "Forbidden",
				fmt.Sprintf("the token may not send any of the %d events; see results", len(items)))
		} else {
			p = newProblem(http.StatusBadRequest, ProblemInvalid, "Bad Request",
				fmt.Sprintf("all %d events were rejected, none stored; see results", len(items)))
		}
		p.Accepted, p.Duplicates, p.Rejected, p.Results = &res.Accepted, &res.Duplicates, &res.Rejected, res.Results
		writeProblem(w, r, p)
	}
}
