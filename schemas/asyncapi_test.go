package schemas_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/schemas"
)

func loadAsyncAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(schemas.FS, "asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("asyncapi.yaml does not parse: %v", err)
	}
	return doc
}

// resolve follows a local JSON pointer (#/a/b) in the document.
func resolve(doc map[string]any, ref string) (any, bool) {
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// TestAsyncAPIRefs checks every $ref in the document: local pointers must
// resolve, file references must name a schema file that exists.
func TestAsyncAPIRefs(t *testing.T) {
	doc := loadAsyncAPI(t)
	if doc["asyncapi"] != "3.0.0" {
		t.Errorf("asyncapi = %v, want 3.0.0", doc["asyncapi"])
	}
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(refs) == 0 {
		t.Fatal("no $ref at all")
	}
	for _, ref := range refs {
		t.Run(ref, func(t *testing.T) {
			if strings.HasPrefix(ref, "#/") {
				if _, ok := resolve(doc, ref); !ok {
					t.Errorf("%s does not resolve in asyncapi.yaml", ref)
				}
				return
			}
			file, _, _ := strings.Cut(ref, "#")
			file = filepath.Clean(file)
			if _, err := fs.Stat(schemas.FS, file); err != nil {
				t.Errorf("%s: no schema file %s beside asyncapi.yaml", ref, file)
			}
		})
	}
}

// TestAsyncAPICoversTypes checks every event type has a channel on its
// subject, with structured and binary messages whose data is the type's
// schema, and a send and a receive operation; and that the dead-letter
// channel sits under the dead-letter stream's subjects.
func TestAsyncAPICoversTypes(t *testing.T) {
	doc := loadAsyncAPI(t)
	channels, _ := doc["channels"].(map[string]any)
	operations, _ := doc["operations"].(map[string]any)
	byAddress := map[string]string{}
	for id, c := range channels {
		addr, _ := c.(map[string]any)["address"].(string)
		byAddress[addr] = id
	}
	for _, typ := range event.Types {
		t.Run(string(typ), func(t *testing.T) {
			id, ok := byAddress[typ.Subject()]
			if !ok {
				t.Fatalf("no channel with address %s", typ.Subject())
			}
			msgs, _ := channels[id].(map[string]any)["messages"].(map[string]any)
			if len(msgs) != 2 {
				t.Errorf("channel %s has %d messages, want structured and binary", id, len(msgs))
			}
			schemaFile := "./" + string(typ) + ".json"
			for name, m := range msgs {
				ref, _ := m.(map[string]any)["$ref"].(string)
				msg, ok := resolve(doc, ref)
				if !ok {
					t.Fatalf("message %s: %s does not resolve", name, ref)
				}
				mm := msg.(map[string]any)
				if mm["name"] != string(typ) {
					t.Errorf("message %s is named %v, want %s", name, mm["name"], typ)
				}
				var buf bytes.Buffer
				if err := yaml.NewEncoder(&buf).Encode(mm["payload"]); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(buf.String(), schemaFile) {
					t.Errorf("message %s: payload does not use %s", name, schemaFile)
				}
			}
			actions := map[string]bool{}
			for _, op := range operations {
				o := op.(map[string]any)
				ch, _ := o["channel"].(map[string]any)
				if ch["$ref"] == "#/channels/"+id {
					actions[o["action"].(string)] = true
				}
			}
			if !actions["send"] || !actions["receive"] {
				t.Errorf("operations on %s: %v, want send and receive", id, actions)
			}
		})
	}
	found := false
	for addr := range byAddress {
		if strings.HasPrefix(addr, bus.DeadLetterSubjectPrefix) {
			found = true
		}
	}
	if !found {
		t.Errorf("no channel under %s>", bus.DeadLetterSubjectPrefix)
	}
}

// TestEnvelopeSchemaAcceptsValidFixtures keeps the documentation schema
// of the envelope honest: every valid fixture passes it.
func TestEnvelopeSchemaAcceptsValidFixtures(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	names, _ := fs.Glob(schemas.FS, "*.json")
	for _, n := range names {
		f, err := schemas.FS.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if err := c.AddResource(schemas.BaseURI+n, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(schemas.BaseURI + "cloudevents.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../pkg/event/testdata/valid/*/*.json")
	if len(files) == 0 {
		t.Fatal("no valid fixtures found")
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("envelope schema rejects a valid fixture: %v", err)
			}
		})
	}
}
