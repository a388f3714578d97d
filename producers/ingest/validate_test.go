package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

const fixtures = "../../pkg/event/testdata"

func TestValidateCommand(t *testing.T) {
	readFile := func(t *testing.T, rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(fixtures, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name      string
		file      string // relative to the fixtures; "" reads stdin
		stdin     func(t *testing.T) string
		format    string
		wantErr   bool
		wantLines []string // each must appear in the output
	}{
		{
			name: "one valid event from a file",
			file: "valid/placement.started/se-to-dk.json",
			wantLines: []string{
				`event 1 (line 1) org.sundflow.placement.started.v1 id "pl-0001-start": valid`,
				"1 event: 1 valid, 0 invalid",
			},
		},
		{
			name:    "one invalid event names path, rule and fix",
			file:    "invalid/vacancy.closed/closed-before-published.json",
			wantErr: true,
			wantLines: []string{
				`event 1 (line 1) org.sundflow.vacancy.closed.v1 id "vc-bad-1": INVALID, 1 problem`,
				"  $.data.closed [dates.order] the closing date must not be before the publication date",
				"1 event: 0 valid, 1 invalid",
			},
		},
		{
			name: "pretty events in a row on stdin",
			stdin: func(t *testing.T) string {
				return readFile(t, "valid/fair.signup/person-registered.json") + readFile(t, "invalid/placement.started/same-country.json")
			},
			wantErr: true,
			wantLines: []string{
				`event 1 (line 1) org.sundflow.fair.signup.v1 id "signup-0001": valid`,
				`event 2 (line `,
				"[placement.cross-border]",
				"2 events: 1 valid, 1 invalid",
			},
		},
		{
			name: "JSON lines with a broken line",
			stdin: func(t *testing.T) string {
				return compactJSON(t, readFile(t, "valid/vacancy.closed/filled.json")) + "\n{\"specversion\":\n" +
					compactJSON(t, readFile(t, "valid/vacancy.closed/withdrawn-minimal.json")) + "\n"
			},
			wantErr: true,
			wantLines: []string{
				`event 1 (line 1) org.sundflow.vacancy.closed.v1 id "v-0001-close": valid`,
				"event 2 (line 2): INVALID, 1 problem",
				"  $ [json] not valid JSON",
				`event 3 (line 3) org.sundflow.vacancy.closed.v1 id "jobtech-23174210-removed": valid`,
				"3 events: 2 valid, 1 invalid",
			},
		},
		{
			name: "array of valid events",
			stdin: func(t *testing.T) string {
				return "[" + readFile(t, "valid/course.completed/job-after-course.json") + "]"
			},
			wantLines: []string{
				`event 1 (line 1) org.sundflow.course.completed.v1 id "cc-0001": valid`,
				"1 event: 1 valid, 0 invalid",
			},
		},
		{
			name:    "privacy finding does not echo the number",
			file:    "invalid/course.completed/privacy-free-text.json",
			wantErr: true,
			wantLines: []string{
				"  $.data.title [privacy.cpr] this field holds something shaped like a Danish CPR number",
				"  $.data.provider [privacy.email]",
			},
		},
		{
			name:    "not JSON at all",
			stdin:   func(*testing.T) string { return "[{" },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &validateCmd{File: "-", Format: "text"}
			if tt.file != "" {
				c.File = filepath.Join(fixtures, tt.file)
			}
			if tt.format != "" {
				c.Format = tt.format
			}
			var in string
			if tt.stdin != nil {
				in = tt.stdin(t)
			}
			var out bytes.Buffer
			err := c.run(context.Background(), strings.NewReader(in), &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v\noutput:\n%s", err, tt.wantErr, out.String())
			}
			for _, l := range tt.wantLines {
				if !strings.Contains(out.String(), l) {
					t.Errorf("output lacks %q:\n%s", l, out.String())
				}
			}
			if strings.Contains(out.String(), "010190") || strings.Contains(out.String(), "kursus@") {
				t.Errorf("output echoes a rejected value:\n%s", out.String())
			}
		})
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestValidateEveryFixture runs the command on every fixture file: exit
// status follows the folder, and the json format reports the same
// problems the fixture's .want lists.
func TestValidateEveryFixture(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(fixtures, f)
		t.Run(rel, func(t *testing.T) {
			valid := strings.HasPrefix(rel, "valid"+string(filepath.Separator))
			var out bytes.Buffer
			err := (&validateCmd{File: f, Format: "json"}).run(context.Background(), strings.NewReader(""), &out)
			if valid && err != nil {
				t.Fatalf("valid fixture: %v\n%s", err, out.String())
			}
			if !valid && !errors.Is(err, errNotAllValid) {
				t.Fatalf("invalid fixture: err = %v, want errNotAllValid\n%s", err, out.String())
			}
			var doc struct {
				Events []struct {
					Valid    bool `json:"valid"`
					Problems []struct {
						Path, Rule, Message string
					} `json:"problems"`
				} `json:"events"`
				Summary struct{ Events, Valid, Invalid int } `json:"summary"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("json output does not parse: %v\n%s", err, out.String())
			}
			if doc.Summary.Events != 1 || len(doc.Events) != 1 || doc.Events[0].Valid != valid {
				t.Fatalf("summary %+v events %+v", doc.Summary, doc.Events)
			}
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if valid || bytes.HasPrefix(body, []byte("[")) {
				// An array is a batch to the command, a wrong shape to
				// ParseStructured; its .want is about the latter.
				return
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range doc.Events[0].Problems {
				if !strings.Contains(string(want), p.Rule+" "+p.Path+"\n") {
					t.Errorf("reported %s %s, not in the fixture's .want", p.Rule, p.Path)
				}
				if p.Message == "" {
					t.Errorf("%s %s: no message", p.Rule, p.Path)
				}
			}
		})
	}
}

// TestValidateFlags checks kong wires the positional file and --format,
// with - and text as defaults.
func TestValidateFlags(t *testing.T) {
	tests := []struct {
		args       []string
		wantFile   string
		wantFormat string
		wantErr    bool
	}{
		{[]string{"validate"}, "-", "text", false},
		{[]string{"validate", "events.json"}, "events.json", "text", false},
		{[]string{"validate", "--format", "json", "-"}, "-", "json", false},
		{[]string{"validate", "--format", "xml"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var c cli
			p, err := kong.New(&c, kong.Name("ingest"), kong.Exit(func(int) {}))
			if err != nil {
				t.Fatal(err)
			}
			kctx, err := p.Parse(tt.args)
			if tt.wantErr {
				if err == nil {
					t.Fatal("parse succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kctx.Command() != "validate" && !strings.HasPrefix(kctx.Command(), "validate ") {
				t.Errorf("command %q", kctx.Command())
			}
			if c.Validate.File != tt.wantFile || c.Validate.Format != tt.wantFormat {
				t.Errorf("file %q format %q, want %q %q", c.Validate.File, c.Validate.Format, tt.wantFile, tt.wantFormat)
			}
		})
	}
}
