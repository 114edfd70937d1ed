package pgfront

import (
	"encoding/binary"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Role management over the extended query protocol. JDBC (and so DBeaver
// and most BI tools) sends even a plain Statement.execute as Parse, Bind,
// Describe, Execute, Sync. For a Hologres superuser's session, a batch
// whose first message is a Parse of a role-management statement is
// answered by the front end as a whole, up to and including its Sync: the
// statement runs on the administrative connection, exactly as a simple
// Query would run it, once the batch has been read to its Sync (or to a
// Flush after its Execute). Anything else in such a batch (a second
// Parse, parameters, COPY, a function call) is refused, and the rest of
// the batch up to Sync is discarded as PostgreSQL discards it after an
// error. A statement prepared by name lives only for its batch: a later
// Bind to it reaches PostgreSQL, which knows no such statement. Role
// statements in the middle of a batch, or inside a transaction block,
// reach PostgreSQL as the tenant role, which refuses them: fail closed.

// maxExtMessage bounds each message of an intercepted batch: role
// statements are short.
const maxExtMessage = 64 << 10

// inspectParse reads the Parse message whose header is next in cr, at the
// start of a batch of a superuser's session.
func (ss *session) inspectParse() error {
	// Most Parse messages hold no role key word: those that fit in the
	// read buffer are looked at there and relayed without a copy.
	_, n, err := peekHeader(ss.cr)
	if err != nil {
		return err
	}
	if 5+n <= ss.cr.Size() {
		msg, err := ss.cr.Peek(5 + n)
		if err != nil {
			return unexpectedEOF(err)
		}
		if !mayManageRoles(msg[5:]) {
			ss.extPending = true
			return copyBytes(ss.bw, ss.cr, 5+n, nil)
		}
	}
	typ, body, err := readMessage(ss.cr, ss.srv.lim.MaxMessageSize)
	if err != nil {
		return err
	}
	name, rest, ok := cstring(body)
	text, rest, ok2 := cstring(rest)
	if !ok || !ok2 || len(rest) < 2 || !mayManageRoles(text) {
		return ss.forwardExt(typ, body)
	}
	ss.mu.Lock()
	scs := ss.scs
	ss.mu.Unlock()
	st, perr := analyzeQuery(text, scs)
	if st == nil && perr == nil {
		return ss.forwardExt(typ, body)
	}
	if err := ss.waitIdle(); err != nil {
		return err
	}
	ss.mu.Lock()
	tx := ss.txStatus
	ss.mu.Unlock()
	if tx != 'I' {
		// Inside a transaction block: PostgreSQL refuses the statement
		// for the tenant role and aborts the transaction, as it must.
		return ss.forwardExt(typ, body)
	}
	if perr == nil && binary.BigEndian.Uint16(rest) != 0 {
		perr = errNoParameters(st.verb)
	}
	if perr != nil {
		ss.srv.log.Info("pgfront: role statement refused", "role", ss.info.Role, "code", perr.Code, "message", perr.Message)
	}
	return ss.runExtended(name, st, perr)
}

// forwardExt sends an extended-protocol message the front end read to the
// backend, unchanged.
func (ss *session) forwardExt(typ byte, body []byte) error {
	ss.extPending = true
	var h [5]byte
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(4+len(body)))
	if _, err := ss.bw.Write(h[:]); err != nil {
		return err
	}
	_, err := ss.bw.Write(body)
	return err
}

// errMixedBatch refuses whatever else an intercepted batch holds.
func errMixedBatch(verb string) *PGError {
	return errorf(codeFeatureNotSupported, "%s must be sent as a batch of its own", verb).
		withDetail("localyun runs the role-management statements of Hologres superusers itself: a batch that parses one may bind it without parameters, describe, execute and close it, and nothing else.").
		withHint("send the statement on its own, then Sync")
}

func errNoParameters(verb string) *PGError {
	return errorf(codeFeatureNotSupported, "%s takes no parameters", verb).
		withHint("write the names into the statement itself")
}

// runExtended answers the rest of a batch whose Parse (already read) holds
// st as the statement name, up to and including Sync. perr, when set,
// fails the batch from the start.
//
// The statement runs when its result is asked for — at Sync, or at a
// Flush after its Execute — not at Execute: a batch found to hold
// anything else before then fails whole, and the statement does not run,
// as PostgreSQL would roll back the batch's implicit transaction.
func (ss *session) runExtended(name string, st *roleStmt, perr *PGError) error {
	var out, held []pgproto3.BackendMessage // held: answers after Execute's
	failed, bound, executed, pending := false, false, false, false
	fail := func(e *PGError) {
		failed, pending, held = true, false, nil
		out = append(out, e.response())
	}
	run := func() {
		pending = false
		notices, perr, still := ss.execChecked(st)
		switch {
		case !still:
			fail(errorf(codeInsufficientPrivilege, "permission denied: %s needs a superuser of the instance", st.verb))
		case perr != nil:
			fail(perr)
		default:
			out = append(out, notices...)
			out = append(out, &pgproto3.CommandComplete{CommandTag: []byte(st.kind.tag())})
			out, held = append(out, held...), nil
		}
	}
	answer := func(m pgproto3.BackendMessage) {
		if pending {
			held = append(held, m)
		} else {
			out = append(out, m)
		}
	}
	if perr != nil {
		fail(perr)
	} else {
		out = append(out, &pgproto3.ParseComplete{})
	}
	for {
		typ, body, err := readMessage(ss.cr, maxExtMessage)
		var tooLong *MessageTooLongError
		if errors.As(err, &tooLong) {
			ss.sendFatal(fatalf(codeProgramLimitExceeded, "message of %d bytes in a role-management batch exceeds the limit of %d bytes", tooLong.Size, maxExtMessage))
			return err
		}
		if err != nil {
			return err
		}
		switch {
		case typ == 'X': // the statement never ran: the batch was not synced
			if err := ss.answer(out...); err != nil {
				return err
			}
			return ss.terminate()
		case typ == 'S':
			if pending {
				run()
			}
			out = append(out, &pgproto3.ReadyForQuery{TxStatus: 'I'})
			return ss.answer(out...)
		case failed:
			continue // discarded up to Sync, as PostgreSQL does after an error
		}
		switch typ {
		case 'B':
			_, rest, ok := cstring(body)
			stmt, rest, ok2 := cstring(rest)
			switch {
			case bound || !ok || !ok2 || stmt != name:
				fail(errMixedBatch(st.verb))
				continue
			case !noBindParameters(rest):
				fail(errNoParameters(st.verb))
				continue
			}
			bound = true
			answer(&pgproto3.BindComplete{})
		case 'D':
			if len(body) > 0 && body[0] == 'S' {
				answer(&pgproto3.ParameterDescription{})
			}
			answer(&pgproto3.NoData{})
		case 'E':
			if executed || !bound {
				fail(errMixedBatch(st.verb))
				continue
			}
			executed, pending = true, true
		case 'C':
			answer(&pgproto3.CloseComplete{})
		case 'H':
			if pending {
				run()
			}
			if err := ss.answer(out...); err != nil {
				return err
			}
			out = out[:0]
		default:
			fail(errMixedBatch(st.verb))
		}
	}
}

// noBindParameters reports whether the rest of a Bind message (after the
// portal and statement names) binds no parameter.
func noBindParameters(rest []byte) bool {
	if len(rest) < 2 {
		return false
	}
	formats := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if len(rest) < 2*formats+2 {
		return false
	}
	return binary.BigEndian.Uint16(rest[2*formats:]) == 0
}

// terminate forwards the client's Terminate to the backend and ends the
// session's client side.
func (ss *session) terminate() error {
	var h [5]byte
	h[0] = 'X'
	binary.BigEndian.PutUint32(h[1:], 4)
	if _, err := ss.bw.Write(h[:]); err != nil {
		return err
	}
	if err := ss.bw.Flush(); err != nil {
		return err
	}
	return errTerminated
}
