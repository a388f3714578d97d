package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestLinesWritesOneEventPerLine(t *testing.T) {
	var buf bytes.Buffer
	l := NewLines(&buf)
	events := testEvents(t, 3)
	events = append(events, events[1]) // a re-sent duplicate is written again
	r, err := l.Publish(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if r.Accepted != 4 || len(r.Results) != 4 {
		t.Fatalf("result = %+v, want 4 accepted", r)
	}
	sc := bufio.NewScanner(&buf)
	var ids []string
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v", len(ids)+1, err)
		}
		ids = append(ids, m["id"].(string))
	}
	want := []string{"e-000", "e-001", "e-002", "e-001"}
	if len(ids) != len(want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Errorf("line %d id = %s, want %s", i+1, ids[i], want[i])
		}
	}
}
