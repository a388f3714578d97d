package attest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"
	"sync"
)

// Header is the NATS header holding a message's attestation.
const Header = "Sundflow-Attest"

// version prefixes every attestation so the scheme can change without
// misreading old messages.
const version = "v1:"

// MinKeyBytes is the shortest key accepted: 32 bytes, SHA-256's size.
const MinKeyBytes = 32

// ErrKey reports a key that cannot be used.
var ErrKey = errors.New("attestation key")

// Key signs and verifies attestations. The zero Key is off: Sign returns
// "" and Verify false.
type Key struct {
	macs *sync.Pool // of *macState keyed with the secret
}

// macState is a keyed HMAC with room for its input's prefix and its sum,
// reused so that checking a message allocates nothing.
type macState struct {
	h      hash.Hash
	prefix []byte
	sum    [sha256.Size]byte
}

// ParseKey reads a key written as hexadecimal text (64 or more hex
// digits, i.e. at least [MinKeyBytes] bytes), surrounding white space
// ignored; `openssl rand -hex 32` makes one.
func ParseKey(text string) (Key, error) {
	secret, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return Key{}, fmt.Errorf("%w: not hexadecimal text: %v", ErrKey, err)
	}
	if len(secret) < MinKeyBytes {
		return Key{}, fmt.Errorf("%w: %d bytes, want at least %d (%d hex digits)", ErrKey, len(secret), MinKeyBytes, 2*MinKeyBytes)
	}
	return Key{macs: &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, secret)} }}}, nil
}

// LoadKey reads a key file written as ParseKey describes.
func LoadKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read %w file: %w", ErrKey, err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// EnsureKeyFile creates path with a new random key (mode 0600) unless it
// exists, and returns the key in it: a local stack's gateway and
// projector share it across restarts.
func EnsureKeyFile(path string) (Key, error) {
	if _, err := os.Stat(path); err == nil {
		return LoadKey(path)
	}
	secret := make([]byte, MinKeyBytes)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("make %w: %w", ErrKey, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Key{}, fmt.Errorf("create %w file: %w", ErrKey, err)
	}
	_, werr := f.WriteString(hex.EncodeToString(secret) + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return Key{}, fmt.Errorf("write %w file: %w", ErrKey, err)
	}
	return LoadKey(path)
}

// On reports whether the key is set.
func (k Key) On() bool { return k.macs != nil }

// Sign returns the attestation of a message to subject with the given
// Nats-Msg-Id and payload; "" when the key is off.
func (k Key) Sign(subject, msgID string, data []byte) string {
	if !k.On() {
		return ""
	}
	m := k.macs.Get().(*macState)
	defer k.macs.Put(m)
	return version + base64.RawURLEncoding.EncodeToString(m.mac(subject, msgID, data))
}

// Verify reports whether value is the attestation of the message, in
// constant time; false when the key is off.
func (k Key) Verify(subject, msgID string, data []byte, value string) bool {
	if !k.On() {
		return false
	}
	enc, ok := strings.CutPrefix(value, version)
	if !ok {
		return false
	}
	var got [sha256.Size]byte
	if base64.RawURLEncoding.EncodedLen(len(got)) != len(enc) {
		return false
	}
	if _, err := base64.RawURLEncoding.Decode(got[:], []byte(enc)); err != nil {
		return false
	}
	m := k.macs.Get().(*macState)
	defer k.macs.Put(m)
	return hmac.Equal(got[:], m.mac(subject, msgID, data))
}

// mac is HMAC-SHA256 over the length-prefixed subject, message id and
// payload, so no two different messages share an input. The sum is
// valid until the next call.
func (m *macState) mac(subject, msgID string, data []byte) []byte {
	m.h.Reset()
	p := binary.BigEndian.AppendUint64(m.prefix[:0], uint64(len(subject)))
	p = append(p, subject...)
	p = binary.BigEndian.AppendUint64(p, uint64(len(msgID)))
	p = append(p, msgID...)
	p = binary.BigEndian.AppendUint64(p, uint64(len(data)))
	m.h.Write(p)
	m.h.Write(data)
	m.prefix = p[:0]
	return m.h.Sum(m.sum[:0])
}
