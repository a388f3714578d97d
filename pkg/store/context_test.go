package store

import (
	"fmt"
	"reflect"
	"testing"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/event"
)

// contextOf reads a CloudEvents 1.0 context field by field with the URLs'
// text remembered; it must give what the event's getters give, for the
// events the validator makes, the first time and from memory, and past
// the memory's bound.
func TestContextOfEqualsGetters(t *testing.T) {
	v, err := event.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	const data = `"data":{"vacancy_id":"v-1","closed":"2026-01-02","reason":"filled","positions_filled":1}`
	bodies := []string{
		`{"specversion":"1.0","id":"a","source":"urn:sundflow:source:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z",` + data + `}`,
		`{"specversion":"1.0","id":"b","source":"https://jobcenter.example.dk/case%20system/x?y=1","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05.123456789+01:00","subject":"v-1","datacontenttype":"application/json","dataschema":"` + event.VacancyClosed.SchemaURI() + `",` + data + `}`,
		`{"specversion":"1.0","id":"c","source":"/relative/ref","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z","traceid":"abc","flag":true,"count":7,` + data + `}`,
	}
	for i := range 300 {
		bodies = append(bodies, fmt.Sprintf(`{"specversion":"1.0","id":"n%d","source":"urn:sundflow:source:s%d","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z",%s}`, i, i, data))
	}
	b := NewBatch()
	check := func(e ce.Event, how string) {
		t.Helper()
		if _, ok := e.Context.(*ce.EventContextV1); !ok {
			t.Fatalf("%s: context %T, want *EventContextV1", how, e.Context)
		}
		for pass := range 2 {
			got, want := b.contextOf(e), contextByGetters(e)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, pass %d: contextOf\n%+v\nwant (getters)\n%+v", how, pass, got, want)
			}
			if s, id, typ := b.Key(e); s != want.source || id != want.id || typ != want.typ {
				t.Fatalf("%s: Key = %q %q %q, want %q %q %q", how, s, id, typ, want.source, want.id, want.typ)
			}
		}
	}
	for _, body := range bodies {
		e, err := v.ParseStructured([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		check(e, "checked "+e.ID())
		e, err = v.ParseAttested([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		check(e, "attested "+e.ID())
	}
	if len(b.uris) > maxURIs {
		t.Errorf("%d URIs remembered, bound %d", len(b.uris), maxURIs)
	}
}
