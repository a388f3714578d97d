package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// HashToken is the token_sha256 of token: lower-case hex SHA-256 of its
// bytes. A token is a high-entropy random string, so a plain hash (no
// salt, no slow KDF) is enough and lets a request be checked cheaply.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// GenerateToken returns a new random token: 32 bytes from crypto/rand,
// base64url without padding (43 characters, safe in an HTTP header).
func GenerateToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
