package token

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"
)

// MinMasterSecretLength is the shortest master secret NewKeyring accepts, in
// bytes.
const MinMasterSecretLength = 32

// DefaultGrace is how long a retired key still verifies tokens, unless
// Options says otherwise. It equals the longest STS session (43,200 s,
// reference/ram-sts.md §5.1), so every token signed before a rotation lives
// out its full duration.
const DefaultGrace = 43200 * time.Second

// Domain-separation labels for HKDF (RFC 5869). The salt separates these keys
// from anything else localyun derives from the same master secret; the info
// labels separate token MAC keys from AccessKey secrets. Changing any of them
// invalidates every token and every STS secret in circulation.
const (
	hkdfSalt      = "localyun/sts/v1"
	labelTokenMAC = "localyun/sts/token-mac/v1\x00"         // + key id, 4 bytes big-endian
	labelSecret   = "localyun/sts/access-key-secret/v1\x00" // + AccessKeyId
)

// KeyRecord is the persisted description of one signing key. It holds no
// secret: the MAC key is derived from the master secret and ID, so the
// records can be stored anywhere the control plane stores configuration.
type KeyRecord struct {
	// ID names the key inside every token it signs. IDs are positive and
	// unique within a keyring; Rotate hands out the next one.
	ID uint32
	// CreatedAt is when the key became current.
	CreatedAt time.Time
	// RetiredAt is when the key stopped signing; zero for the current key.
	// A retired key still verifies until RetiredAt + grace.
	RetiredAt time.Time
}

// Options tunes a Keyring. The zero value gives the defaults.
type Options struct {
	// Grace is how long a retired key still verifies tokens. Zero means
	// DefaultGrace; a shorter grace is refused, because a token lives up to
	// 43,200 s and must not die early because its key was rotated. Mint also
	// refuses tokens that would outlive the grace, so no token ever outlives
	// its key.
	Grace time.Duration
}

// Keyring mints and verifies tokens and derives STS AccessKey secrets. It is
// immutable and safe for concurrent use; rotating produces new records from
// which the caller builds a new Keyring.
type Keyring struct {
	prk     [sha256.Size]byte // HKDF-Extract(salt, master); the master itself is not kept
	keys    []key             // sorted by id
	current int               // index in keys of the one signing key
	grace   time.Duration
}

type key struct {
	id        uint32
	createdAt time.Time
	retiredAt time.Time // zero for the current key
	mac       [sha256.Size]byte
}

// InitialKeys returns the key records of a new installation: key 1, current
// since now. Persist them, then call NewKeyring.
func InitialKeys(now time.Time) []KeyRecord {
	return []KeyRecord{{ID: 1, CreatedAt: now}}
}

// NewKeyring builds a Keyring from the server's master secret (at least
// MinMasterSecretLength bytes, which the caller keeps secret) and the
// persisted key records. Exactly one record must be current (zero
// RetiredAt). Records whose grace has run out may stay in the list; their
// tokens are refused. The Keyring copies what it needs and keeps neither
// slice.
func NewKeyring(master []byte, records []KeyRecord, opts Options) (*Keyring, error) {
	if len(master) < MinMasterSecretLength {
		return nil, fmt.Errorf("%w: the master secret is %d bytes; at least %d are required", ErrInvalidKeyring, len(master), MinMasterSecretLength)
	}
	grace := opts.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	if grace < DefaultGrace {
		return nil, fmt.Errorf("%w: grace %v is shorter than the longest STS session (%v)", ErrInvalidKeyring, grace, DefaultGrace)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("%w: no key records (use InitialKeys for a new installation)", ErrInvalidKeyring)
	}
	k := &Keyring{prk: extract(master), keys: make([]key, 0, len(records)), current: -1, grace: grace}
	sorted := slices.Clone(records)
	slices.SortFunc(sorted, func(a, b KeyRecord) int { return cmp.Compare(a.ID, b.ID) })
	for i, r := range sorted {
		switch {
		case r.ID == 0:
			return nil, fmt.Errorf("%w: key id 0 is not allowed", ErrInvalidKeyring)
		case i > 0 && r.ID == sorted[i-1].ID:
			return nil, fmt.Errorf("%w: key id %d appears twice", ErrInvalidKeyring, r.ID)
		case r.CreatedAt.IsZero():
			return nil, fmt.Errorf("%w: key %d has no CreatedAt", ErrInvalidKeyring, r.ID)
		case !r.RetiredAt.IsZero() && r.RetiredAt.Before(r.CreatedAt):
			return nil, fmt.Errorf("%w: key %d retired before it was created", ErrInvalidKeyring, r.ID)
		}
		if r.RetiredAt.IsZero() {
			if k.current >= 0 {
				return nil, fmt.Errorf("%w: keys %d and %d are both current; exactly one may be", ErrInvalidKeyring, k.keys[k.current].id, r.ID)
			}
			k.current = len(k.keys)
		}
		k.keys = append(k.keys, key{id: r.ID, createdAt: r.CreatedAt, retiredAt: r.RetiredAt, mac: k.macKey(r.ID)})
	}
	if k.current < 0 {
		return nil, fmt.Errorf("%w: every key is retired; exactly one must be current", ErrInvalidKeyring)
	}
	return k, nil
}

// Rotate returns the records of the next generation: the current key
// retired at now, a new current key (the highest id plus one) created at
// now, and the retired keys still inside their grace at now. Keys whose
// grace has run out are dropped, so the list stays short. The Keyring itself
// does not change: persist the records, then build a Keyring from them
// (every replica does the same when it sees the new records; until then a
// replica refuses tokens signed with the new key as malformed, so persist
// before using the new Keyring to mint).
func (k *Keyring) Rotate(now time.Time) ([]KeyRecord, error) {
	cur := k.keys[k.current]
	if now.Before(cur.createdAt) {
		return nil, fmt.Errorf("%w: rotating at %s, before the current key %d was created (%s)",
			ErrInvalidKeyring, now.UTC().Format(time.RFC3339), cur.id, cur.createdAt.UTC().Format(time.RFC3339))
	}
	last := k.keys[len(k.keys)-1].id
	if last == math.MaxUint32 {
		return nil, fmt.Errorf("%w: key ids are exhausted", ErrInvalidKeyring)
	}
	out := make([]KeyRecord, 0, len(k.keys)+1)
	for i, kk := range k.keys {
		switch {
		case i == k.current:
			out = append(out, KeyRecord{ID: kk.id, CreatedAt: kk.createdAt, RetiredAt: now})
		case now.Before(kk.retiredAt.Add(k.grace)):
			out = append(out, KeyRecord{ID: kk.id, CreatedAt: kk.createdAt, RetiredAt: kk.retiredAt})
		}
	}
	return append(out, KeyRecord{ID: last + 1, CreatedAt: now}), nil
}

// Grace is how long a retired key of this Keyring still verifies, and so
// the longest lifetime Mint accepts.
func (k *Keyring) Grace() time.Duration { return k.grace }

// lookup returns the key with this id, or nil.
func (k *Keyring) lookup(id uint32) *key {
	for i := range k.keys {
		if k.keys[i].id == id {
			return &k.keys[i]
		}
	}
	return nil
}

// macKey derives the token MAC key of a key id.
func (k *Keyring) macKey(id uint32) [sha256.Size]byte {
	var info [len(labelTokenMAC) + 4]byte
	copy(info[:], labelTokenMAC)
	binary.BigEndian.PutUint32(info[len(labelTokenMAC):], id)
	return expand(k.prk[:], info[:])
}

// extract is HKDF-Extract with SHA-256 (RFC 5869 §2.2) and the package salt.
func extract(master []byte) [sha256.Size]byte {
	h := hmac.New(sha256.New, []byte(hkdfSalt))
	h.Write(master)
	var prk [sha256.Size]byte
	h.Sum(prk[:0])
	return prk
}

// expand is HKDF-Expand with SHA-256 (RFC 5869 §2.3) for one 32-byte output
// block: T(1) = HMAC(PRK, info | 0x01). Written out, rather than calling
// crypto/hkdf, because that API returns an error that cannot happen here and
// SecretFor has no error to return; the tests check both agree.
func expand(prk, info []byte) [sha256.Size]byte {
	h := hmac.New(sha256.New, prk)
	h.Write(info)
	h.Write([]byte{1})
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// tag appends HMAC-SHA256(k.mac, msg) to dst.
func (k *key) tag(dst, msg []byte) []byte {
	h := hmac.New(sha256.New, k.mac[:])
	h.Write(msg)
	return h.Sum(dst)
}
