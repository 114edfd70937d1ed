package pgfront

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/localyun/localyun/internal/store"
)

// roleStatementTimeout bounds one role-management statement on the
// administrative connection (DROP DATABASE ... WITH (FORCE) waits for
// sessions to end).
const roleStatementTimeout = time.Minute

// maxKeptQueryBuffer: a superuser session keeps the buffer of its last
// query up to this size for the next one.
const maxKeptQueryBuffer = 64 << 10

// inspectQuery reads the Query message whose header is next in cr (the
// session is a Hologres superuser's) and either forwards it unchanged or,
// when it is role management, runs it on the administrative connection.
func (ss *session) inspectQuery(n int) error {
	if _, err := ss.cr.Discard(5); err != nil {
		return err
	}
	if cap(ss.qbuf) < n {
		ss.qbuf = make([]byte, n)
	}
	body := ss.qbuf[:n]
	if n > maxKeptQueryBuffer {
		ss.qbuf = nil // do not keep a huge buffer for the life of the session
	}
	if _, err := io.ReadFull(ss.cr, body); err != nil {
		return unexpectedEOF(err)
	}
	if !mayManageRoles(body) {
		return ss.forwardQuery(body)
	}
	text, rest, ok := cstring(body)
	if !ok || len(rest) != 0 {
		return ss.forwardQuery(body) // malformed: PostgreSQL says so
	}
	ss.mu.Lock()
	scs := ss.scs
	ss.mu.Unlock()
	st, perr := analyzeQuery(text, scs)
	switch {
	case perr != nil:
		ss.srv.log.Info("pgfront: role statement refused", "role", ss.info.Role, "code", perr.Code, "message", perr.Message)
		return ss.refuse(perr)
	case st == nil:
		return ss.forwardQuery(body)
	}
	return ss.runRoleStatement(st, body)
}

// analyzeQuery finds the role-management statement of a simple query. It
// returns nil, nil when there is none (or when the query cannot be read:
// PostgreSQL then reports the syntax error and runs nothing); a query that
// mixes role management with other statements is refused whole rather
// than half run.
func analyzeQuery(text string, scs bool) (*roleStmt, *PGError) {
	if !mayManageRoles(text) {
		return nil, nil
	}
	stmts, err := scanStatements(text, scs)
	if err != nil {
		return nil, nil
	}
	var found *roleStmt
	var ferr *PGError
	for _, t := range stmts {
		st, perr := classify(t)
		if st == nil && perr == nil {
			continue
		}
		if found != nil || ferr != nil || len(stmts) > 1 {
			verb := "role management"
			if st != nil {
				verb = st.verb
			}
			return nil, errorf(codeFeatureNotSupported, "%s must be sent as a query of its own", verb).
				withDetail("localyun runs the role-management statements of Hologres superusers itself, one statement per query, and never half of a multi-statement query.").
				withHint("send each statement separately")
		}
		found, ferr = st, perr
	}
	if ferr != nil {
		return nil, ferr
	}
	return found, nil
}

// roleKeywords start every statement classify recognizes.
var roleKeywords = []string{"create", "alter", "drop", "grant", "revoke", "reassign"}

// mayManageRoles is a quick look for the key words that begin role
// management, so that ordinary queries of superusers skip the tokenizer:
// a query without any of them (in any case) holds no such statement.
func mayManageRoles[T string | []byte](text T) bool {
	for i := 0; i < len(text); i++ {
		switch text[i] | 0x20 {
		case 'c', 'a', 'd', 'g', 'r':
		next:
			for _, kw := range roleKeywords {
				if len(text)-i < len(kw) {
					continue
				}
				for j := 0; j < len(kw); j++ {
					if text[i+j]|0x20 != kw[j] {
						continue next
					}
				}
				return true
			}
		}
	}
	return false
}

// runRoleStatement runs st for the session once the backend is idle.
func (ss *session) runRoleStatement(st *roleStmt, body []byte) error {
	if err := ss.waitIdle(); err != nil {
		return err
	}
	ss.mu.Lock()
	tx := ss.txStatus
	ss.mu.Unlock()
	if tx != 'I' || ss.extPending {
		return ss.refuse(errorf(codeActiveTransaction, "%s cannot run inside a transaction block", st.verb).
			withDetail("localyun runs the role-management statements of Hologres superusers on its own connection, outside the session's transaction."))
	}
	notices, perr, still := ss.execChecked(st)
	switch {
	case !still:
		return ss.forwardQuery(body) // PostgreSQL refuses it as the tenant role
	case perr != nil:
		return ss.refuse(perr)
	}
	msgs := make([]pgproto3.BackendMessage, 0, len(notices)+2)
	msgs = append(msgs, notices...)
	msgs = append(msgs, &pgproto3.CommandComplete{CommandTag: []byte(st.kind.tag())}, &pgproto3.ReadyForQuery{TxStatus: 'I'})
	return ss.answer(msgs...)
}

// execChecked reads the session's superuser status again (a superuser
// demoted since login is one no more) and, when it still holds, runs st
// on the administrative connection, audited and logged. still is false
// when the session is no superuser any more: st did not run.
func (ss *session) execChecked(st *roleStmt) (notices []pgproto3.BackendMessage, perr *PGError, still bool) {
	ctx, cancel := context.WithTimeout(ss.srv.ctx, roleStatementTimeout)
	defer cancel()
	ri, err := ss.srv.lookupRole(ctx, ss.info.Role, false)
	if err != nil {
		return nil, internalError("ERROR", err), true
	}
	if !ri.exists || !ri.superuser || ri.unsafe {
		return nil, nil, false
	}
	st.database = ss.info.Database
	notices, perr = ss.srv.execRoleStatement(ctx, ss.info.Role, st)
	rec := store.AuditRecord{Event: "api", Action: st.kind.action(), Caller: ss.caller, CallerAccount: ss.callerAccount, Decision: "Allow"}
	if perr != nil {
		rec.ErrorCode = perr.Code
	}
	ss.srv.audit(rec)
	if perr != nil {
		if perr.Code == codeInternal {
			ss.srv.log.Error("pgfront: role statement failed", "role", ss.info.Role, "statement", st.verb, "err", perr)
		}
		return nil, perr, true
	}
	ss.srv.log.Info("pgfront: role statement", "role", ss.info.Role, "statement", st.verb, "names", strings.Join(st.names, ","))
	return notices, nil, true
}

// refuse answers a role-management statement with an error. When the
// backend is idle the front end answers itself; inside a transaction
// block (or an unfinished extended-protocol batch) it makes the backend
// raise the error instead, so the transaction is aborted exactly as
// PostgreSQL would abort it.
func (ss *session) refuse(e *PGError) error {
	if err := ss.waitIdle(); err != nil {
		return err
	}
	ss.mu.Lock()
	tx := ss.txStatus
	ss.mu.Unlock()
	if tx == 'I' && !ss.extPending {
		return ss.answer(e.response(), &pgproto3.ReadyForQuery{TxStatus: 'I'})
	}
	return ss.forwardQuery(append([]byte(raiseQuery(e)), 0))
}

// raiseQuery is a DO block that raises e. Every string is an E'...'
// constant with '$' written as \x24, so no text of e can end the dollar
// quote.
func raiseQuery(e *PGError) string {
	lit := func(s string) string {
		var b strings.Builder
		b.WriteString("E'")
		for _, r := range s {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case r == '\'':
				b.WriteString(`''`)
			case r == '$':
				b.WriteString(`\x24`)
			case r < 0x20 || r == 0x7f:
				b.WriteByte(' ')
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString("'")
		return b.String()
	}
	var b strings.Builder
	b.WriteString("DO $localyun$BEGIN RAISE EXCEPTION USING ERRCODE = ")
	b.WriteString(lit(e.Code))
	b.WriteString(", MESSAGE = ")
	b.WriteString(lit(e.Message))
	if e.Detail != "" {
		b.WriteString(", DETAIL = ")
		b.WriteString(lit(e.Detail))
	}
	if e.Hint != "" {
		b.WriteString(", HINT = ")
		b.WriteString(lit(e.Hint))
	}
	b.WriteString("; END$localyun$")
	return b.String()
}
