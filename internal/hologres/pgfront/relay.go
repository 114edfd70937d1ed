package pgfront

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// session is one logged-in client and its backend session.
//
// Two goroutines move the bytes: clientToBackend (the session's own) and
// pump (backend to client). Both copy whole messages between buffers
// without decoding them; pump looks only at message headers and at the
// one-byte body of ReadyForQuery (and at the rare ParameterStatus), and
// clientToBackend decodes only the simple Query messages of Hologres
// superusers. They share the small state below, under mu.
type session struct {
	srv           *Server
	info          SessionInfo
	caller        string // the identity's ARN, or the BASIC$ role: for the audit trail
	callerAccount string

	client net.Conn // plaintext or TLS
	cr     *bufio.Reader
	cwMu   sync.Mutex // guards cw: pump and the front end's own answers write to it
	cw     *bufio.Writer

	backend net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer // clientToBackend only

	frontPID   uint32
	frontKey   [4]byte
	backendPID uint32
	backendKey []byte

	mu   sync.Mutex
	idle *sync.Cond // signalled when pending drops to 0 or pump ends
	// pending counts the Query, Sync and FunctionCall messages forwarded
	// whose ReadyForQuery has not yet been relayed: 0 means the backend
	// is idle and the client has seen everything.
	pending  int
	txStatus byte // of the last ReadyForQuery
	copyIn   bool // the backend is in COPY FROM STDIN
	scs      bool // standard_conforming_strings
	pumpDone bool
	// backendGone: the backend connection failed or closed (as opposed to
	// the client vanishing while pump wrote to it).
	backendGone bool

	// extPending: extended-protocol messages were forwarded since the
	// last Sync (clientToBackend only).
	extPending bool
	// qbuf holds the body of a superuser's Query while it is inspected
	// (clientToBackend only).
	qbuf []byte
}

func (ss *session) attach(b *backendSession) {
	ss.backend, ss.br = b.conn, b.br
	ss.bw = bufio.NewWriterSize(b.conn, bufSize)
	ss.backendPID, ss.backendKey = b.pid, b.key
	ss.txStatus = b.txStatus
	ss.scs = true
	for _, p := range b.status {
		if p.name == "standard_conforming_strings" {
			ss.scs = p.value == "on"
		}
	}
	ss.idle = sync.NewCond(&ss.mu)
}

// errTerminated: the client sent Terminate.
var errTerminated = errors.New("pgfront: client terminated the session")

// run relays until either side ends, then makes sure the backend session
// ends too: a client that vanished in the middle of a query leaves no
// backend behind.
func (ss *session) run() {
	done := make(chan error, 1)
	go func() { done <- ss.pump() }()
	cerr := ss.clientToBackend()
	ss.endBackend(cerr)
	ss.backend.Close()
	<-done
	ss.client.Close()
}

// endBackend runs when the client side is over. A backend that is busy (a
// query, or a COPY, under way) is terminated through the administrative
// connection: closing its socket alone would leave it running until it
// next writes, and a cancel request is lost if it lands between
// messages. An idle backend ends when its socket closes.
func (ss *session) endBackend(cerr error) {
	if errors.Is(cerr, errTerminated) {
		return
	}
	ss.mu.Lock()
	busy := (ss.pending > 0 || ss.copyIn) && !ss.backendGone
	ss.mu.Unlock()
	if !busy {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ss.srv.terminateBackend(ctx, ss.backendPID); err != nil {
		ss.srv.log.Warn("pgfront: terminating the backend of a vanished client; sending a cancel request", "err", err)
		if err := ss.srv.sendBackendCancel(ss.backendPID, ss.backendKey); err != nil {
			ss.srv.log.Warn("pgfront: cancel request", "err", err)
		}
	}
}

// pump relays backend messages to the client until the backend closes or
// the client cannot be written to. It flushes whenever the backend has
// nothing more buffered, so nothing waits in the front end while the
// backend works.
func (ss *session) pump() error {
	err := ss.pumpLoop()
	ss.mu.Lock()
	ss.pumpDone = true
	ss.idle.Broadcast()
	ss.mu.Unlock()
	ss.client.Close()
	return err
}

func (ss *session) pumpLoop() error {
	for {
		if _, err := ss.br.Peek(5); err != nil {
			ss.markBackendGone()
			return err
		}
		ss.cwMu.Lock()
		for {
			if err := ss.relayBackendMessage(); err != nil {
				ss.cwMu.Unlock()
				return err
			}
			if ss.br.Buffered() < 5 {
				break
			}
		}
		err := ss.cw.Flush()
		ss.cwMu.Unlock()
		if err != nil {
			return err
		}
	}
}

func (ss *session) markBackendGone() {
	ss.mu.Lock()
	ss.backendGone = true
	ss.mu.Unlock()
}

// relayBackendMessage copies one message; cwMu is held.
func (ss *session) relayBackendMessage() error {
	typ, n, err := peekHeader(ss.br)
	if err != nil {
		ss.markBackendGone()
		return err
	}
	switch typ {
	case 'Z': // ReadyForQuery
		b, err := ss.br.Peek(6)
		if err != nil {
			ss.markBackendGone()
			return err
		}
		status := b[5]
		if err := ss.copyFromBackend(5 + n); err != nil {
			return err
		}
		ss.mu.Lock()
		ss.txStatus, ss.copyIn = status, false
		if ss.pending > 0 {
			ss.pending--
		}
		if ss.pending == 0 {
			ss.idle.Broadcast()
		}
		ss.mu.Unlock()
		return nil
	case 'G': // CopyInResponse
		ss.mu.Lock()
		ss.copyIn = true
		ss.mu.Unlock()
	case 'E': // ErrorResponse ends COPY FROM STDIN
		ss.mu.Lock()
		ss.copyIn = false
		ss.mu.Unlock()
	case 'S': // ParameterStatus: rare, small; only one setting matters
		if n < 256 {
			if b, err := ss.br.Peek(5 + n); err == nil {
				if name, rest, ok := cstring(b[5:]); ok && name == "standard_conforming_strings" {
					value, _, _ := cstring(rest)
					ss.mu.Lock()
					ss.scs = value == "on"
					ss.mu.Unlock()
				}
			}
		}
	}
	return ss.copyFromBackend(5 + n)
}

// copyFromBackend copies n bytes to the client, telling a backend failure
// from a client one.
func (ss *session) copyFromBackend(n int) error {
	return copyBytes(ss.cw, ss.br, n, ss.markBackendGone)
}

// clientToBackend relays client messages to the backend until the client
// goes away or terminates.
func (ss *session) clientToBackend() error {
	max := ss.srv.lim.MaxMessageSize
	for {
		if ss.cr.Buffered() < 5 {
			if err := ss.bw.Flush(); err != nil {
				return err
			}
		}
		typ, n, err := peekHeader(ss.cr)
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				ss.sendFatal(fatalf(codeProtocolViolation, "%s", pe.Reason))
			}
			return err
		}
		if n > max {
			ss.sendFatal(fatalf(codeProgramLimitExceeded, "message of %d bytes exceeds the limit of %d bytes", n, max).
				withHint("split the statement or the COPY data into smaller pieces"))
			return &MessageTooLongError{Type: typ, Limit: max, Size: n}
		}
		switch typ {
		case 'Q':
			if ss.info.Superuser {
				if err := ss.inspectQuery(n); err != nil {
					return err
				}
				continue
			}
			ss.addPending()
		case 'S':
			ss.mu.Lock()
			if !ss.copyIn { // Sync is ignored in COPY IN mode
				ss.pending++
			}
			ss.mu.Unlock()
			ss.extPending = false
		case 'F':
			ss.addPending()
		case 'P':
			if ss.info.Superuser && !ss.extPending {
				if err := ss.inspectParse(); err != nil {
					return err
				}
				continue
			}
			ss.extPending = true
		case 'B', 'D', 'E', 'C':
			ss.extPending = true
		case 'c', 'f': // CopyDone, CopyFail
			ss.mu.Lock()
			ss.copyIn = false
			ss.mu.Unlock()
		case 'X':
			if _, err := ss.cr.Discard(5 + n); err != nil {
				return err
			}
			return ss.terminate()
		}
		if err := copyBytes(ss.bw, ss.cr, 5+n, nil); err != nil {
			return err
		}
	}
}

func (ss *session) addPending() {
	ss.mu.Lock()
	ss.pending++
	ss.mu.Unlock()
}

// forwardQuery sends a Query message with the given body (text and its
// NUL) to the backend.
func (ss *session) forwardQuery(body []byte) error {
	var h [5]byte
	h[0] = 'Q'
	binary.BigEndian.PutUint32(h[1:], uint32(4+len(body)))
	ss.addPending()
	if _, err := ss.bw.Write(h[:]); err != nil {
		return err
	}
	_, err := ss.bw.Write(body)
	return err
}

// waitIdle waits until every forwarded query has been answered, so an
// answer of the front end's own lands after them.
func (ss *session) waitIdle() error {
	if err := ss.bw.Flush(); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for ss.pending > 0 && !ss.pumpDone {
		ss.idle.Wait()
	}
	if ss.pumpDone {
		return io.ErrClosedPipe
	}
	return nil
}

// answer writes the front end's own messages to the client.
func (ss *session) answer(msgs ...pgproto3.BackendMessage) error {
	ss.cwMu.Lock()
	defer ss.cwMu.Unlock()
	for _, m := range msgs {
		buf, err := m.Encode(nil)
		if err != nil {
			return err
		}
		if _, err := ss.cw.Write(buf); err != nil {
			return err
		}
	}
	return ss.cw.Flush()
}

// sendFatal tells the client why the session ends.
func (ss *session) sendFatal(e *PGError) {
	_ = ss.client.SetWriteDeadline(time.Now().Add(time.Second))
	_ = ss.answer(e.response())
}
