package pgfront

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"
)

// encode appends the wire form of msgs to dst. The messages the front end
// builds itself always encode; an error is a bug and panics in tests.
func encode(dst []byte, msgs ...pgproto3.Message) []byte {
	for _, m := range msgs {
		var err error
		dst, err = m.Encode(dst)
		if err != nil {
			panic(fmt.Sprintf("pgfront: encoding %T: %v", m, err))
		}
	}
	return dst
}

// MessageTooLongError reports a message longer than the limit. It carries
// both sizes, never the content.
type MessageTooLongError struct {
	Type  byte
	Limit int
	Size  int
}

func (e *MessageTooLongError) Error() string {
	return fmt.Sprintf("message %q of %d bytes exceeds the limit of %d bytes", e.Type, e.Size, e.Limit)
}

// ProtocolError is a malformed message.
type ProtocolError struct{ Reason string }

func (e *ProtocolError) Error() string { return "protocol violation: " + e.Reason }

// peekHeader returns the type and body length of the next message without
// consuming it. It blocks until the five header bytes are there.
func peekHeader(r *bufio.Reader) (typ byte, bodyLen int, err error) {
	h, err := r.Peek(5)
	if err != nil {
		return 0, 0, err
	}
	n := int(int32(binary.BigEndian.Uint32(h[1:])))
	if n < 4 {
		return h[0], 0, &ProtocolError{Reason: fmt.Sprintf("invalid length %d of message %q", n, h[0])}
	}
	return h[0], n - 4, nil
}

// readMessage reads one whole message and returns a copy of its body,
// refusing bodies longer than max.
func readMessage(r *bufio.Reader, max int) (typ byte, body []byte, err error) {
	typ, n, err := peekHeader(r)
	if err != nil {
		return 0, nil, err
	}
	if n > max {
		return typ, nil, &MessageTooLongError{Type: typ, Limit: max, Size: n}
	}
	if _, err := r.Discard(5); err != nil {
		return 0, nil, err
	}
	body = make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, unexpectedEOF(err)
	}
	return typ, body, nil
}

// copyMessage copies the next n bytes of r to w without allocating: the
// bytes move from r's buffer to w's. It never flushes w in the middle.
// readFailed, when not nil, runs when reading fails (not writing).
func copyBytes(w *bufio.Writer, r *bufio.Reader, n int, readFailed func()) error {
	for n > 0 {
		k := r.Buffered()
		if k == 0 {
			if _, err := r.Peek(1); err != nil {
				if readFailed != nil {
					readFailed()
				}
				return unexpectedEOF(err)
			}
			k = r.Buffered()
		}
		if k > n {
			k = n
		}
		b, _ := r.Peek(k)
		if _, err := w.Write(b); err != nil {
			return err
		}
		_, _ = r.Discard(k)
		n -= k
	}
	return nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// cstring splits a NUL-terminated string off b.
func cstring(b []byte) (s string, rest []byte, ok bool) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), b[i+1:], true
		}
	}
	return "", nil, false
}
