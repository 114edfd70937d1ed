package pgfront

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// Startup packet codes (PostgreSQL protocol, "Message Formats").
const (
	protocol30        = 3 << 16
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
)

type packetKind uint8

const (
	packetStartup packetKind = iota + 1
	packetSSL
	packetGSSEnc
	packetCancel
)

// startupPacket is a decoded startup-phase packet.
type startupPacket struct {
	kind    packetKind
	version uint32 // packetStartup: major<<16 | minor
	// params in the order sent; names are unique.
	params []param
	// packetCancel
	cancelPID uint32
	cancelKey []byte
}

type param struct{ name, value string }

func (p *startupPacket) get(name string) (string, bool) {
	for _, kv := range p.params {
		if kv.name == name {
			return kv.value, true
		}
	}
	return "", false
}

// readStartupPacket reads one startup-phase packet straight from r (never
// through a buffer: after an SSLRequest, no plaintext byte may be read
// ahead of the TLS handshake).
func readStartupPacket(r io.Reader) (startupPacket, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return startupPacket{}, err
	}
	n := int(int32(binary.BigEndian.Uint32(h[:])))
	if n < 8 || n > maxStartupPacket {
		return startupPacket{}, &ProtocolError{Reason: fmt.Sprintf("invalid length of startup packet: %d", n)}
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return startupPacket{}, unexpectedEOF(err)
	}
	return parseStartupPacket(body)
}

// parseStartupPacket decodes a startup packet without its length word.
func parseStartupPacket(body []byte) (startupPacket, error) {
	if len(body) < 4 {
		return startupPacket{}, &ProtocolError{Reason: "startup packet too short"}
	}
	code := binary.BigEndian.Uint32(body)
	rest := body[4:]
	switch code {
	case sslRequestCode, gssEncRequestCode:
		if len(rest) != 0 {
			return startupPacket{}, &ProtocolError{Reason: "invalid length of encryption request"}
		}
		if code == sslRequestCode {
			return startupPacket{kind: packetSSL}, nil
		}
		return startupPacket{kind: packetGSSEnc}, nil
	case cancelRequestCode:
		// Protocol 3.0 keys are 4 bytes; 3.2 allows up to 256.
		if len(rest) < 8 || len(rest) > 4+256 {
			return startupPacket{}, &ProtocolError{Reason: "invalid length of cancel request"}
		}
		return startupPacket{kind: packetCancel, cancelPID: binary.BigEndian.Uint32(rest),
			cancelKey: append([]byte(nil), rest[4:]...)}, nil
	}
	if code>>16 != 3 {
		// Not a protocol this server speaks: the caller refuses it with
		// the version it saw.
		return startupPacket{kind: packetStartup, version: code}, nil
	}
	p := startupPacket{kind: packetStartup, version: code}
	for {
		if len(rest) == 0 {
			return startupPacket{}, &ProtocolError{Reason: "invalid startup packet layout: expected terminator as last byte"}
		}
		if rest[0] == 0 {
			if len(rest) != 1 {
				return startupPacket{}, &ProtocolError{Reason: "invalid startup packet layout: expected terminator as last byte"}
			}
			break
		}
		name, r, ok := cstring(rest)
		if !ok {
			return startupPacket{}, &ProtocolError{Reason: "invalid startup packet layout: unterminated parameter name"}
		}
		value, r, ok := cstring(r)
		if !ok {
			return startupPacket{}, &ProtocolError{Reason: fmt.Sprintf("invalid startup packet layout: no value for parameter %q", clip(name))}
		}
		if _, dup := p.get(name); dup {
			return startupPacket{}, &ProtocolError{Reason: fmt.Sprintf("startup parameter %q appears twice", clip(name))}
		}
		p.params = append(p.params, param{name, value})
		rest = r
	}
	return p, nil
}

// allowedParams are the startup parameters (lower-cased; PostgreSQL's
// setting names are case-insensitive) a client may pass to its backend
// session: formatting and session defaults any role may SET itself.
// Everything else is dropped with a warning: `options` (the front end's
// own), `replication` (refused), and anything that could choose a role,
// load code or reach the host (role, session_authorization,
// *_preload_libraries, ...).
var allowedParams = map[string]bool{
	"application_name":                    true,
	"client_encoding":                     true,
	"datestyle":                           true,
	"timezone":                            true,
	"search_path":                         true,
	"extra_float_digits":                  true,
	"intervalstyle":                       true,
	"standard_conforming_strings":         true,
	"bytea_output":                        true,
	"default_transaction_isolation":       true,
	"default_transaction_read_only":       true,
	"statement_timeout":                   true,
	"lock_timeout":                        true,
	"idle_in_transaction_session_timeout": true,
}

// AllowedStartupParameters lists the startup parameters that reach the
// backend session, sorted (for documentation).
func AllowedStartupParameters() []string {
	out := make([]string, 0, len(allowedParams))
	for k := range allowedParams {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hologresOptions are startup `options` keys Hologres clients send that
// the front end accepts and ignores (holo-client's `type=fixed` selects
// its "fixed frontend").
var hologresOptions = map[string]bool{"type": true}

// startupOptions is what the `options` startup parameter carries.
type startupOptions struct {
	// stsToken is the raw value of sts_token.
	stsToken    string
	hasSTSToken bool
	// settings are `-c name=value` / `--name=value` items, names
	// lower-cased with '-' turned into '_', in order.
	settings []param
	// ignored names the items that were dropped (never their values).
	ignored []string
}

// parseOptions splits the `options` value like PostgreSQL (whitespace
// separates items; a backslash makes the next character literal) and
// reads Hologres's `key=value` items and PostgreSQL's `-c name=value`,
// `-cname=value` and `--name=value`.
func parseOptions(s string) startupOptions {
	var o startupOptions
	items := splitOptions(s)
	for i := 0; i < len(items); i++ {
		it := items[i]
		var kv string
		switch {
		case it == "-c":
			if i+1 >= len(items) {
				o.ignored = append(o.ignored, "-c")
				continue
			}
			i++
			kv = items[i]
		case strings.HasPrefix(it, "-c"):
			kv = it[2:]
		case strings.HasPrefix(it, "--"):
			kv = it[2:]
		case strings.HasPrefix(it, "-"):
			o.ignored = append(o.ignored, clip(it))
			continue
		default:
			name, value, ok := strings.Cut(it, "=")
			switch {
			case !ok:
				o.ignored = append(o.ignored, clip(it))
			case name == "sts_token":
				o.stsToken, o.hasSTSToken = value, true
			case hologresOptions[strings.ToLower(name)]:
			default:
				o.ignored = append(o.ignored, clip(name))
			}
			continue
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			o.ignored = append(o.ignored, clip(name))
			continue
		}
		name = strings.ReplaceAll(strings.ToLower(name), "-", "_")
		if name == "sts_token" {
			o.stsToken, o.hasSTSToken = value, true
			continue
		}
		o.settings = append(o.settings, param{name, value})
	}
	return o
}

func splitOptions(s string) []string {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// tokenCandidates are the security tokens to try for an sts_token value:
// the raw value, then its URL-decoded form when that differs (clients are
// told to URL-encode the token in connection URLs, and some encode it in
// PGOPTIONS too; reference/hologres.md §2.2).
func tokenCandidates(raw string) []string {
	out := []string{raw}
	if strings.Contains(raw, "%") {
		if dec, err := url.PathUnescape(raw); err == nil && dec != raw {
			out = append(out, dec)
		}
	}
	return out
}

// splitDatabase splits DataWorks's `<db>@<warehouse>` (reference/hologres.md
// §6.2) at the last '@'.
func splitDatabase(s string) (db, warehouse string) {
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// clip shortens a client-supplied string for a message or a log line.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
