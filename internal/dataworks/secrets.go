package dataworks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// sealer seals the secrets of connection properties with AES-256-GCM under
// a key derived from the master key, so a copy of the database alone
// reveals none. The record id is the additional data: a sealed blob moved
// to another record does not open.
type sealer struct {
	aead   cipher.AEAD
	randMu sync.Mutex
	rand   io.Reader
}

// secretsKeyLabel names the derived key; a new label is a new key.
const secretsKeyLabel = "localyun dataworks connection secrets v1"

func newSealer(master []byte, rand io.Reader) (*sealer, error) {
	if len(master) < 32 {
		return nil, errors.New("dataworks: the master key must be at least 32 bytes")
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte(secretsKeyLabel))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, rand: rand}, nil
}

// seal returns nonce || ciphertext of the secrets as JSON, or nil when
// there are none.
func (s *sealer) seal(id int64, secrets map[string]string) ([]byte, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	s.randMu.Lock()
	_, err = io.ReadFull(s.rand, nonce)
	s.randMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("dataworks: reading randomness: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(strconv.FormatInt(id, 10))), nil
}

// open reverses seal.
func (s *sealer) open(id int64, sealed []byte) (map[string]string, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("dataworks: sealed secrets are truncated")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(strconv.FormatInt(id, 10)))
	if err != nil {
		return nil, fmt.Errorf("dataworks: the secrets of connection %d do not open (was the master key replaced?): %w", id, err)
	}
	var out map[string]string
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, err
	}
	return out, nil
}
