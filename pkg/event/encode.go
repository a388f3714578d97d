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
	"strconv"
	"time"
	"unicode/utf8"

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
//
// It writes the JSON itself rather than through encoding/json (an
// encoder per member was a fifth of the gateway's work per event);
// strings with nothing to escape are copied as they are, any other value
// goes through encoding/json as before.
func Encode(e ce.Event) ([]byte, error) {
	ec, ok := e.Context.(*ce.EventContextV1)
	if !ok {
		return nil, errors.New("encode event: not a CloudEvents 1.0 event")
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
	}

	// The size, for one allocation when nothing needs escaping.
	source := ec.Source.String()
	var schema string
	if ec.DataSchema != nil {
		schema = ec.DataSchema.String()
	}
	size := len(`{"specversion":"1.0","id":"","source":"","type":""}`) + len(ec.ID) + len(source) + len(ec.Type) +
		len(`,"dataschema":""`) + len(schema) + len(`,"time":""`) + len(time.RFC3339Nano)
	if ec.DataContentType != nil {
		size += len(`,"datacontenttype":""`) + len(*ec.DataContentType)
	}
	if ec.Subject != nil {
		size += len(`,"subject":""`) + len(*ec.Subject)
	}
	for _, k := range names {
		size += len(`,"":""`) + len(k) + 16 // room for a bool or an integer
		if s, ok := ec.Extensions[k].(string); ok {
			size += len(s)
		}
	}
	if e.DataBase64 {
		size += len(`,"data_base64":""`) + base64.StdEncoding.EncodedLen(len(e.DataEncoded))
	} else {
		size += len(`,"data":`) + len(e.DataEncoded)
	}

	buf := make([]byte, 0, size)
	buf = append(buf, `{"specversion":`...)
	buf = appendJSONString(buf, ce.CloudEventsVersionV1)
	buf = appendMember(buf, "id", ec.ID)
	buf = appendMember(buf, "source", source)
	buf = appendMember(buf, "type", ec.Type)
	if ec.DataContentType != nil {
		buf = appendMember(buf, "datacontenttype", *ec.DataContentType)
	}
	if ec.DataSchema != nil {
		buf = appendMember(buf, "dataschema", schema)
	}
	if ec.Subject != nil {
		buf = appendMember(buf, "subject", *ec.Subject)
	}
	if ec.Time != nil {
		buf = append(buf, `,"time":"`...)
		// RFC 3339 text never needs escaping.
		buf = ec.Time.AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, '"')
	}
	for _, k := range names {
		buf = append(buf, ',')
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		switch v := ec.Extensions[k].(type) {
		case string:
			buf = appendJSONString(buf, v)
		case bool:
			buf = strconv.AppendBool(buf, v)
		case int32:
			buf = strconv.AppendInt(buf, int64(v), 10)
		default:
			b, err := marshalNoEscape(v)
			if err != nil {
				return nil, fmt.Errorf("encode event: %s: %w", k, err)
			}
			buf = append(buf, b...)
		}
	}
	if e.DataEncoded != nil {
		if e.DataBase64 {
			buf = append(buf, `,"data_base64":"`...)
			buf = base64.StdEncoding.AppendEncode(buf, e.DataEncoded)
			buf = append(buf, '"')
		} else {
			// As encoding/json writes a json.RawMessage without HTML
			// escaping: compacted, nothing else changed.
			buf = append(buf, `,"data":`...)
			if buf, ok = appendValidCompact(buf, e.DataEncoded); !ok {
				return nil, errors.New("encode event: data is not valid JSON")
			}
		}
	}
	buf = append(buf, '}')
	return buf, nil
}

func appendMember(buf []byte, name, value string) []byte {
	buf = append(buf, ',', '"')
	buf = append(buf, name...) // core attribute names need no escaping
	buf = append(buf, '"', ':')
	return appendJSONString(buf, value)
}

// appendJSONString appends s as a JSON string the way json.Marshal
// without HTML escaping writes it: printable ASCII other than " and \
// as it is, anything else through encoding/json.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			b, _ := marshalNoEscape(s) // a string always encodes
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
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
