package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sundflow/sundflow/pkg/event"
)

// Any in source_prefixes or types allows every source or every type.
const Any = "*"

// FileEntry is one source system in the token file.
type FileEntry struct {
	// Name identifies the source system in logs and problem documents,
	// e.g. helsingor-jobcentre. Never the token.
	Name string `yaml:"name"`
	// TokenSHA256 is [HashToken] of the bearer token, 64 hex digits.
	TokenSHA256 string `yaml:"token_sha256"`
	// SourcePrefixes are the CloudEvents source values the token may
	// use: an event's source must start with one of them ("*" allows
	// any). End a prefix with "/" or ":" so that it cannot be extended
	// into another system's name.
	SourcePrefixes []string `yaml:"source_prefixes"`
	// Types are the event types the token may send ("*" allows all).
	Types []string `yaml:"types"`
}

// File is the token file: YAML with a list of tokens.
type File struct {
	Tokens []FileEntry `yaml:"tokens"`
}

// Client is an authenticated source system and what it may send.
type Client struct {
	Name     string
	hash     [sha256.Size]byte
	prefixes []string
	anyType  bool
	types    map[event.Type]bool
}

// Allow reports whether the client may send an event with this source
// and type; the error is a [*ForbiddenError] naming which one it may not.
func (c *Client) Allow(source string, t event.Type) error {
	ok := false
	for _, p := range c.prefixes {
		if p == Any || strings.HasPrefix(source, p) {
			ok = true
			break
		}
	}
	if !ok {
		return &ForbiddenError{Client: c.Name, Attribute: "source", Value: source}
	}
	if !c.anyType && !c.types[t] {
		return &ForbiddenError{Client: c.Name, Attribute: "type", Value: string(t)}
	}
	return nil
}

// keyset is one parsed version of the token file.
type keyset struct {
	clients []*Client
}

// parseFile reads and checks a token file. Every problem names the entry
// (by position and name) and the field.
func parseFile(r io.Reader) (*keyset, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	ks := &keyset{}
	var problems []string
	names := map[string]int{}
	hashes := map[string]int{}
	for i, e := range f.Tokens {
		at := fmt.Sprintf("tokens[%d]", i)
		if e.Name != "" {
			at += " (" + e.Name + ")"
		}
		bad := func(format string, args ...any) {
			problems = append(problems, at+": "+fmt.Sprintf(format, args...))
		}
		c := &Client{Name: e.Name, types: map[event.Type]bool{}}
		if e.Name == "" {
			bad("name: required")
		} else if j, dup := names[e.Name]; dup {
			bad("name: %q already used by tokens[%d]", e.Name, j)
		} else {
			names[e.Name] = i
		}
		h := strings.ToLower(strings.TrimSpace(e.TokenSHA256))
		if raw, err := hex.DecodeString(h); err != nil || len(raw) != sha256.Size {
			bad("token_sha256: must be 64 hex digits (the SHA-256 of the token; `ingest hash-token` prints it)")
		} else if j, dup := hashes[h]; dup {
			bad("token_sha256: same token as tokens[%d]", j)
		} else {
			hashes[h] = i
			copy(c.hash[:], raw)
		}
		if len(e.SourcePrefixes) == 0 {
			bad("source_prefixes: required, at least one (\"*\" allows any source)")
		}
		for k, p := range e.SourcePrefixes {
			if strings.TrimSpace(p) == "" {
				bad("source_prefixes[%d]: empty; use \"*\" to allow any source", k)
			}
		}
		c.prefixes = e.SourcePrefixes
		if len(e.Types) == 0 {
			bad("types: required, at least one (\"*\" allows every type)")
		}
		for k, t := range e.Types {
			switch {
			case t == Any:
				c.anyType = true
			case event.Type(t).Known():
				c.types[event.Type(t)] = true
			default:
				bad("types[%d]: %q is not a sundflow event type", k, t)
			}
		}
		ks.clients = append(ks.clients, c)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return ks, nil
}

// authenticate finds the client whose hash matches the token's. It
// compares against every entry in constant time and without stopping at
// a match, so timing tells nothing about which hashes exist.
func (ks *keyset) authenticate(token string) (*Client, error) {
	if token == "" {
		return nil, ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(token))
	var found *Client
	for _, c := range ks.clients {
		if subtle.ConstantTimeCompare(sum[:], c.hash[:]) == 1 {
			found = c
		}
	}
	if found == nil {
		return nil, ErrUnauthenticated
	}
	return found, nil
}
