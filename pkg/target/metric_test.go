package target

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/sundflow/sundflow/schemas"
)

// TestEnumsMatchSchemas keeps the filter values in step with the event
// contract: a value the schemas drop or add must be dropped or added here.
func TestEnumsMatchSchemas(t *testing.T) {
	tests := []struct {
		file, prop string
		want       []string
	}{
		{"org.sundflow.placement.started.v1.json", "kind", placementKinds},
		{"org.sundflow.placement.started.v1.json", "status_before", statusesBefore},
		{"org.sundflow.fair.scheduled.v1.json", "kind", fairKinds},
		{"org.sundflow.course.completed.v1.json", "status", courseStatuses},
	}
	for _, tt := range tests {
		t.Run(tt.file+"#"+tt.prop, func(t *testing.T) {
			var s struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			}
			readSchema(t, tt.file, &s)
			if got := s.Properties[tt.prop].Enum; !slices.Equal(got, tt.want) {
				t.Errorf("schema enum = %v, filter values = %v", got, tt.want)
			}
		})
	}
	t.Run("common sector", func(t *testing.T) {
		var s struct {
			Defs map[string]struct {
				Enum []string `json:"enum"`
			} `json:"$defs"`
		}
		readSchema(t, "common.v1.json", &s)
		if got := s.Defs["sector"].Enum; !slices.Equal(got, sectors) {
			t.Errorf("schema sectors = %v, filter values = %v", got, sectors)
		}
	})
}

func readSchema(t *testing.T, name string, v any) {
	t.Helper()
	b, err := schemas.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

func TestMetricCatalogue(t *testing.T) {
	for _, m := range Metrics() {
		t.Run(m.Name, func(t *testing.T) {
			if m.Doc == "" || m.Unit == "" {
				t.Error("metric without doc or unit")
			}
			if !m.Allows(FilterProject) {
				t.Error("every metric must take the project filter: indicators default to their own project")
			}
			if _, ok := relations[m.Family]; !ok {
				t.Errorf("family %q has no relation", m.Family)
			}
			for _, b := range m.Breakdowns {
				if !slices.Contains(Breakdowns, b) {
					t.Errorf("breakdown %q is not in Breakdowns", b)
				}
			}
		})
	}
}
