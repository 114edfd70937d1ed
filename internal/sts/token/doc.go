// Package token is localyun's stateless STS credential: the SecurityToken
// that AssumeRole returns (reference/ram-sts.md §5.1), the STS AccessKeyId
// that goes with it, and the AccessKey secret derived from that id. Nothing
// about a session is stored: the token carries its claims under a MAC, and
// the secret is recomputed from the server's master secret whenever a
// request needs it (DESIGN.md, the STS row of the decisions table).
//
// The package does no I/O, reads no clock and keeps no global state: times
// are passed in, randomness comes from an io.Reader, and a Keyring is an
// immutable value built from the master secret and persisted key records.
//
//	kr, err := token.NewKeyring(master, records, token.Options{}) // records: token.InitialKeys(t0), later Rotate
//	akid, err := token.NewAccessKeyID(crypto/rand.Reader)        // "STS." + 24 base62 characters
//	tok, err := kr.Mint(token.Claims{AccessKeyID: akid, ..., Expiration: now.Add(time.Hour)}, now)
//	secret := kr.SecretFor(akid)                                  // 30 base62 characters
//	// AssumeRole returns akid, secret, tok and Expiration.
//
//	// On each request signed with an STS AccessKeyId:
//	claims, err := kr.Verify(securityToken, requestAccessKeyID, now)
//	// err is ErrMalformed, ErrExpired or ErrMismatch (Code gives the Alibaba
//	// code); on success check the signature with kr.SecretFor(requestAccessKeyID).
//
// # Keys
//
// Each key record {ID, CreatedAt, RetiredAt} names a MAC key derived with
// HKDF-SHA256 from the master secret and the id; the master secret itself
// never keys a MAC. Exactly one key is current and signs. Keyring.Rotate
// retires it and adds the next, returning the records for the caller to
// persist; a retired key keeps verifying for the grace (DefaultGrace,
// 43,200 s, the longest STS session), and Mint refuses lifetimes longer than
// the grace, so rotation never cuts a token short. AccessKey secrets are
// derived from the master secret and the AccessKeyId under a different
// label, so they do not change when keys rotate.
//
// # Token format
//
// A token is the unpadded base64url encoding of
//
//	version    1 byte       1
//	key id     4 bytes      big-endian
//	payload                 as below, for version 1
//	tag        32 bytes     HMAC-SHA256(MAC key of key id, version | key id | payload)
//
// and the version 1 payload is
//
//	issued at      8 bytes  big-endian Unix seconds
//	lifetime       4 bytes  big-endian seconds, >= 1; Expiration = issued at + lifetime
//	caller type    1 byte   1 user, 2 role-session, 3 service
//	10 strings     each a 1-byte length then the bytes, in this order: AccessKeyID,
//	               AccountID, RoleID, RoleName, SessionName, Caller.Account,
//	               Caller.Name, Caller.Session, Caller.OnBehalfOf, SourceIdentity
//	policy         2-byte big-endian length then the bytes (the session policy text)
//
// Why binary and not JSON: the token travels in URLs, PGOPTIONS and JDBC
// options, and this layout has no field names, quoting or escaping, so a
// token without a session policy is about 250 characters. Each claims value
// has exactly one encoding, so the MAC is over bytes with no canonical form
// to agree on (JSON would need rules for key order, escapes and numbers). And
// decoding is bounded slicing that runs only after the MAC has matched,
// whereas a JSON decoder is a large parser to expose. The version byte is
// covered by the MAC, so it cannot be downgraded; a new layout gets a new
// version, and Verify refuses versions it does not know.
//
// The AccessKeyId and the session policy travel in the token; they are not
// secret. The secret travels only in AssumeRole's response, and nothing in
// this package puts a token, secret or MAC into an error.
package token
