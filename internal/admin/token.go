package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/localyun/localyun/internal/datadir"
)

// tokenBytes is the size of the admin token before hex encoding.
const tokenBytes = 32

// LoadOrCreateToken returns the admin token kept at path: 32 random bytes
// in hex. When the file does not exist, a new token is written there
// atomically with mode 0600. A token file that group or others can read is
// refused (its error wraps datadir.ErrInsecure), and one that does not hold
// a token is reported as damaged; neither is replaced.
func LoadOrCreateToken(path string) (string, error) {
	b, err := datadir.ReadPrivateFile(path)
	switch {
	case err == nil:
		tok := strings.TrimSpace(string(b))
		if !validToken(tok) {
			return "", fmt.Errorf("admin token file %s is damaged: delete it and restart the server to create a new one", path)
		}
		return tok, nil
	case errors.Is(err, fs.ErrNotExist):
		raw := make([]byte, tokenBytes)
		if _, err := rand.Read(raw); err != nil {
			return "", fmt.Errorf("generate admin token: %w", err)
		}
		tok := hex.EncodeToString(raw)
		if err := datadir.WriteFileAtomic(path, []byte(tok+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("save admin token: %w", err)
		}
		return tok, nil
	default:
		return "", fmt.Errorf("admin token: %w", err)
	}
}

// readToken reads the token a client presents.
func readToken(path string) (string, error) {
	b, err := datadir.ReadPrivateFile(path)
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if !validToken(tok) {
		return "", fmt.Errorf("admin token file %s is damaged: delete it and restart the server to create a new one", path)
	}
	return tok, nil
}

func validToken(tok string) bool {
	b, err := hex.DecodeString(tok)
	return err == nil && len(b) == tokenBytes
}
