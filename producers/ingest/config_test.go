package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/sundflow/sundflow/pkg/auth"
)

func TestByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    byteSize
		wantErr bool
	}{
		{"1000", 1000, false},
		{"512KiB", 512 << 10, false},
		{"8MiB", 8 << 20, false},
		{"1 GiB", 1 << 30, false},
		{"2MB", 2_000_000, false},
		{"10B", 10, false},
		{"-1", 0, true},
		{"lots", 0, true},
		{"1.5MiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got byteSize
			err := got.UnmarshalText([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestConfig parses command lines as kong does (defaults, then flags)
// and checks Validate's verdict.
func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // in the error; "" for none
	}{
		{"defaults with a tokens file", []string{"--tokens-file", "t.yaml"}, ""},
		{"no tokens file", nil, "--tokens-file (INGEST_TOKENS_FILE) is required"},
		{"creds without url", []string{"--tokens-file", "t.yaml", "--nats-creds", "x.creds"}, "need --nats-url"},
		{"max age below duplicate window", []string{"--tokens-file", "t.yaml", "--max-age", "5m"}, "--max-age"},
		{"zero batch", []string{"--tokens-file", "t.yaml", "--max-batch", "0"}, "--max-batch"},
		{"bad size", []string{"--tokens-file", "t.yaml", "--max-body", "big"}, "want a number of bytes"},
		{"replicas", []string{"--tokens-file", "t.yaml", "--stream-replicas", "7"}, "must be 1 to 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c serveCmd
			p, err := kong.New(&c, kong.Exit(func(int) {}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Parse(tt.args)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if c.MaxBodyBytes != 8<<20 || c.MaxEventBytes != 256<<10 || c.MaxBatch != 1000 || !strings.HasSuffix(c.NATSStore, "var/nats") {
					t.Errorf("defaults not applied: %+v", c.Config)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct {
		name     string
		generate bool
		stdin    string
		want     string // in the output
		wantErr  bool
	}{
		{"from stdin", false, "sundflow-dev-token\n", auth.HashToken("sundflow-dev-token") + "\n", false},
		{"no newline", false, "abc", auth.HashToken("abc") + "\n", false},
		{"empty", false, "", "", true},
		{"generate", true, "", "token_sha256: ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := (&hashTokenCmd{Generate: tt.generate}).run(strings.NewReader(tt.stdin), &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q lacks %q", out.String(), tt.want)
			}
			if tt.generate {
				var tok, hash string
				for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
					k, v, _ := strings.Cut(line, ": ")
					switch k {
					case "token":
						tok = v
					case "token_sha256":
						hash = v
					}
				}
				if tok == "" || auth.HashToken(tok) != hash {
					t.Errorf("generated token and hash do not match: %q", out.String())
				}
			}
		})
	}
}
