package target

import (
	"strings"
	"testing"
)

// TestKeyInterner checks that the keys-only interner gives two strings
// one id exactly when they are equal, whether a string is keyed by its
// 32 bytes (lower-case 64-hex) or kept as a string (anything else).
func TestKeyInterner(t *testing.T) {
	hexA := strings.Repeat("ab", 32)
	tests := []struct {
		name     string
		a, b     string
		wantSame bool
	}{
		{"same pseudonym", hexA, hexA, true},
		{"pseudonyms differing in the last digit", hexA, hexA[:63] + "c", false},
		{"upper-case is another string", hexA, strings.ToUpper(hexA), false},
		{"63 digits is another string", hexA, hexA[:63], false},
		{"65 digits is another string", hexA, hexA + "a", false},
		{"same id", "V-17", "V-17", true},
		{"different ids", "V-17", "V-18", false},
		{"non-hex 64 characters", strings.Repeat("zz", 32), strings.Repeat("zz", 32), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newKeyInterner()
			a, b := in.id(tc.a), in.id(tc.b)
			if got := a == b; got != tc.wantSame {
				t.Errorf("id(%q) = %d, id(%q) = %d: same %v, want %v", tc.a, a, tc.b, b, got, tc.wantSame)
			}
			wantN := uint32(2)
			if tc.wantSame {
				wantN = 1
			}
			if in.n != wantN {
				t.Errorf("numbered %d, want %d", in.n, wantN)
			}
			if in.dict != nil {
				t.Errorf("a keys-only interner kept names: %q", in.dict)
			}
		})
	}
}
