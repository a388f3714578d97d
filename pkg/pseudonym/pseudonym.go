package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// Size is the length of a pseudonym: 32 bytes of HMAC-SHA256 in hex.
const Size = 64

// Derive returns the pseudonym of a national id under key: the lower-case
// hex HMAC-SHA256 of [Normalize](nationalID). The key is the source
// system's secret; without it a pseudonym cannot be reversed by trying
// every possible id (there are only about 10^10). Sources that must
// recognise the same person (a person placed twice counts once) derive
// with the same key.
func Derive(key []byte, nationalID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(Normalize(nationalID)))
	return hex.EncodeToString(m.Sum(nil))
}

// Normalize removes what differs between spellings of one national id:
// white space, hyphens and plus signs (the separators of CPR numbers,
// 010190-1234, and of personnummer, 900101-1234 or 900101+1234 for
// those over 100). It does not add or drop a century: a Swedish
// personnummer should be given in its 12-digit form (19900101-1234),
// because the 10-digit form names different people in different
// centuries and could equal a Danish CPR number.
func Normalize(nationalID string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '+' {
			return -1
		}
		return r
	}, nationalID)
}

// Valid reports whether p has the form of a pseudonym: 64 lower-case hex
// digits.
func Valid(p string) bool {
	if len(p) != Size {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
