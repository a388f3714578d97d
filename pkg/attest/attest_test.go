package attest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sundflow/sundflow/pkg/attest"
)

const hexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func mustKey(t *testing.T, text string) attest.Key {
	t.Helper()
	k, err := attest.ParseKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerify(t *testing.T) {
	k := mustKey(t, hexKey)
	other := mustKey(t, strings.Repeat("ab", 32))
	subject, id, data := "sundflow.events.vacancy.published.v1", "urn:x:1", []byte(`{"id":"1"}`)
	sig := k.Sign(subject, id, data)
	// The form schemas/asyncapi.yaml documents.
	if !regexp.MustCompile(`^v1:[A-Za-z0-9_-]{43}$`).MatchString(sig) {
		t.Fatalf("attestation %q is not v1: and 43 base64url characters", sig)
	}
	tests := []struct {
		name                 string
		key                  attest.Key
		subject, id, payload string
		sig                  string
		want                 bool
	}{
		{name: "as signed", key: k, subject: subject, id: id, payload: string(data), sig: sig, want: true},
		{name: "payload changed", key: k, subject: subject, id: id, payload: `{"id":"2"}`, sig: sig},
		{name: "subject changed", key: k, subject: "sundflow.events.vacancy.closed.v1", id: id, payload: string(data), sig: sig},
		{name: "id changed", key: k, subject: subject, id: "urn:x:2", payload: string(data), sig: sig},
		{name: "boundary moved between id and payload", key: k, subject: subject, id: id + `{`, payload: string(data[1:]), sig: sig},
		{name: "other key", key: other, subject: subject, id: id, payload: string(data), sig: sig},
		{name: "key off", key: attest.Key{}, subject: subject, id: id, payload: string(data), sig: sig},
		{name: "empty", key: k, subject: subject, id: id, payload: string(data), sig: ""},
		{name: "no version", key: k, subject: subject, id: id, payload: string(data), sig: strings.TrimPrefix(sig, "v1:")},
		{name: "truncated", key: k, subject: subject, id: id, payload: string(data), sig: sig[:len(sig)-2]},
		{name: "not base64", key: k, subject: subject, id: id, payload: string(data), sig: "v1:" + strings.Repeat("*", len(sig)-3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.Verify(tt.subject, tt.id, []byte(tt.payload), tt.sig); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
	if got := (attest.Key{}).Sign(subject, id, data); got != "" {
		t.Errorf("a key that is off signed: %q", got)
	}
}

// TestFormat pins the construction the asyncapi document gives, worked
// out here with crypto/hmac alone: messages stored under one version of
// the gateway must verify under every later projector.
func TestFormat(t *testing.T) {
	secret, _ := hex.DecodeString(hexKey)
	k := mustKey(t, hexKey)
	for _, m := range []struct{ subject, id, data string }{
		{"sundflow.events.fair.signup.v1", "urn:sundflow:source:x|id-7", `{"fair_id":"f-1"}`},
		{"s", "", ""},
		{"sundflow.events.placement.started.v1", strings.Repeat("i", 300), strings.Repeat("d", 5000)},
	} {
		mac := hmac.New(sha256.New, secret)
		for _, part := range []string{m.subject, m.id, m.data} {
			mac.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
			mac.Write([]byte(part))
		}
		want := "v1:" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		// Twice: a reused MAC state must give the same answer.
		for range 2 {
			if got := k.Sign(m.subject, m.id, []byte(m.data)); got != want {
				t.Fatalf("Sign(%.40q) = %s, want %s", m.subject, got, want)
			}
			if !k.Verify(m.subject, m.id, []byte(m.data), want) {
				t.Fatalf("Verify(%.40q) refused the attestation worked out by hand", m.subject)
			}
		}
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr bool
	}{
		{name: "64 hex digits with a newline", text: hexKey + "\n"},
		{name: "longer", text: hexKey + hexKey},
		{name: "too short", text: hexKey[:62], wantErr: true},
		{name: "not hex", text: strings.Repeat("zz", 32), wantErr: true},
		{name: "empty", text: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := attest.ParseKey(tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, attest.ErrKey) {
				t.Errorf("err %v is not ErrKey", err)
			}
			if err == nil && !k.On() {
				t.Error("a parsed key is off")
			}
		})
	}
}

func TestEnsureKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attest.key")
	k1, err := attest.EnsureKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := attest.EnsureKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sig := k1.Sign("s", "i", []byte("d"))
	if !k2.Verify("s", "i", []byte("d"), sig) {
		t.Error("the key read back from the file does not verify what the new key signed")
	}
	if _, err := attest.LoadKey(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, attest.ErrKey) {
		t.Errorf("missing file: err %v, want ErrKey", err)
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _ := attest.ParseKey(hexKey)
	data := []byte(strings.Repeat("x", 600))
	sig := k.Sign("sundflow.events.placement.started.v1", "urn:x:1", data)
	for b.Loop() {
		if !k.Verify("sundflow.events.placement.started.v1", "urn:x:1", data, sig) {
			b.Fatal("not verified")
		}
	}
}
