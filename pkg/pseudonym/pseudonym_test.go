package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// Synthetic ids only: none of these belongs to a real person's record.
func TestDerive(t *testing.T) {
	key := []byte("test-key-not-a-secret")
	want := func(id string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id))
		return hex.EncodeToString(m.Sum(nil))
	}
	tests := []struct {
		name string
		id   string
		want string
	}{
		{"plain CPR", "0101901234", want("0101901234")},
		{"CPR with hyphen", "010190-1234", want("0101901234")},
		{"CPR with spaces", " 010190 1234 ", want("0101901234")},
		{"personnummer 12 digits", "19900101-1239", want("199001011239")},
		{"personnummer plus separator", "900101+1239", want("9001011239")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Derive(key, tt.id)
			if got != tt.want {
				t.Errorf("Derive(%q) = %s, want %s", tt.id, got, tt.want)
			}
			if !Valid(got) {
				t.Errorf("Derive(%q) = %s, not a valid pseudonym", tt.id, got)
			}
		})
	}
}

func TestDeriveDependsOnKey(t *testing.T) {
	a := Derive([]byte("key-a"), "0101901234")
	b := Derive([]byte("key-b"), "0101901234")
	if a == b {
		t.Fatalf("two keys gave the same pseudonym %s", a)
	}
	if Derive([]byte("key-a"), "0101901235") == a {
		t.Fatal("two ids gave the same pseudonym")
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{Derive([]byte("k"), "1"), true},
		{"", false},
		{"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", false},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefa", false},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.12s_len%d", tt.in, len(tt.in)), func(t *testing.T) {
			if got := Valid(tt.in); got != tt.want {
				t.Errorf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
}

func ExampleDerive() {
	// The source system holds the key; the id here is synthetic.
	p := Derive([]byte("source-secret-key"), "010190-1234")
	fmt.Println(len(p), Valid(p))
	// Output: 64 true
}
