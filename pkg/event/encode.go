package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	cetypes "github.com/cloudevents/sdk-go/v2/types"
)

// New builds an event of type t with data encoded as JSON: specversion
// 1.0, datacontenttype application/json, dataschema t's schema URI. data
// is a value of the type's data struct (e.g. [PlacementStartedData]) or
// a json.RawMessage. New checks only what it needs to build the event;
// run [Validator.Validate] before publishing.
func New(t Type, source, id string, at time.Time, data any) (ce.Event, error) {
	if !t.Known() {
		return ce.Event{}, fmt.Errorf("new event: unknown type %q", string(t))
	}
	if id == "" {
		return ce.Event{}, errors.New("new event: id is empty")
	}
	if at.IsZero() {
		return ce.Event{}, errors.New("new event: time is zero")
	}
	src, ok := parseURIRef(source)
	if !ok || source == "" {
		return ce.Event{}, errors.New("new event: source is not a URI-reference")
	}
	b, err := json.Marshal(data)
	if err != nil {
		return ce.Event{}, fmt.Errorf("new event: encode data: %w", err)
	}
	schema, err := url.Parse(t.SchemaURI())
	if err != nil {
		return ce.Event{}, fmt.Errorf("new event: schema URI: %w", err)
	}
	ct := ce.ApplicationJSON
	ec := &ce.EventContextV1{
		ID:              id,
		Source:          src,
		Type:            string(t),
		DataContentType: &ct,
		DataSchema:      &cetypes.URI{URL: *schema},
		Time:            &cetypes.Timestamp{Time: at},
	}
	return ce.Event{Context: ec, DataEncoded: b}, nil
}

// MessageID is the Nats-Msg-Id of the event with this source and id:
// the hex SHA-256 of source, a NUL byte and id. CloudEvents identify an
// event by source and id together; neither may hold a NUL (a control
// character), so distinct pairs never give the same input.
func MessageID(source, id string) string {
	h := sha256.New()
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return hex.EncodeToString(h.Sum(nil))
}

// Encode writes e in the CloudEvents JSON format (structured mode), in a
// stable member order: the core attributes, the extensions by name, then
// data. time keeps the offset it was given. [Validator.ParseStructured]
// of the result gives e back.
func Encode(e ce.Event) ([]byte, error) {
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		return nil, errors.New("encode event: not a CloudEvents 1.0 event")
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	field := func(name string, v any) error {
		b, err := marshalNoEscape(v)
		if err != nil {
			return fmt.Errorf("encode event: %s: %w", name, err)
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, _ := marshalNoEscape(name)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(b)
		return nil
	}
	var err error
	must := func(name string, v any) {
		if err == nil {
			err = field(name, v)
		}
	}
	must("specversion", ce.CloudEventsVersionV1)
	must("id", ec.ID)
	must("source", ec.Source.String())
	must("type", ec.Type)
	if ec.DataContentType != nil {
		must("datacontenttype", *ec.DataContentType)
	}
	if ec.DataSchema != nil {
		must("dataschema", ec.DataSchema.String())
	}
	if ec.Subject != nil {
		must("subject", *ec.Subject)
	}
	if ec.Time != nil {
		must("time", ec.Time.Format(time.RFC3339Nano))
	}
	names := make([]string, 0, len(ec.Extensions))
	for k := range ec.Extensions {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if isCoreAttribute(k) || k == "data" || k == "data_base64" {
			return nil, fmt.Errorf("encode event: extension %q collides with a core member", k)
		}
		must(k, ec.Extensions[k])
	}
	if err != nil {
		return nil, err
	}
	if e.DataEncoded != nil {
		if e.DataBase64 {
			must("data_base64", base64.StdEncoding.EncodeToString(e.DataEncoded))
		} else {
			if !json.Valid(e.DataEncoded) {
				return nil, errors.New("encode event: data is not valid JSON")
			}
			must("data", json.RawMessage(e.DataEncoded))
		}
		if err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshalNoEscape is json.Marshal without HTML escaping, so that text
// such as "R&D" stays readable in the stream.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
