package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// stmtMergeInto is DUCKDB_STATEMENT_TYPE_MERGE_INTO (duckdb.h), which the
// driver has no constant for.
const stmtMergeInto = duckdb.StmtType(30)

// allowedKinds are the statement kinds the engine runs; DuckDB reports the
// kind of a prepared statement, so this holds however the text is
// written. Everything else is refused before it runs: ATTACH, DETACH,
// COPY, EXPORT, IMPORT (COPY), INSTALL, LOAD, SET, RESET, USE, PRAGMA
// (except the forms DuckDB rewrites to SELECT), CALL, CHECKPOINT,
// VACUUM, ANALYZE, EXPLAIN, PREPARE, EXECUTE, transaction control (Tx owns
// transactions) and any kind a later DuckDB adds. CREATE SECRET is a
// CREATE and is refused by looking at its first words (isCreateSecret).
var allowedKinds = map[duckdb.StmtType]bool{
	duckdb.STATEMENT_TYPE_SELECT: true,
	duckdb.STATEMENT_TYPE_INSERT: true,
	duckdb.STATEMENT_TYPE_UPDATE: true,
	duckdb.STATEMENT_TYPE_DELETE: true,
	duckdb.STATEMENT_TYPE_CREATE: true,
	duckdb.STATEMENT_TYPE_ALTER:  true,
	duckdb.STATEMENT_TYPE_DROP:   true,
	stmtMergeInto:                true,
}

var kindNames = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_SELECT:       "SELECT",
	duckdb.STATEMENT_TYPE_INSERT:       "INSERT",
	duckdb.STATEMENT_TYPE_UPDATE:       "UPDATE",
	duckdb.STATEMENT_TYPE_EXPLAIN:      "EXPLAIN",
	duckdb.STATEMENT_TYPE_DELETE:       "DELETE",
	duckdb.STATEMENT_TYPE_PREPARE:      "PREPARE",
	duckdb.STATEMENT_TYPE_CREATE:       "CREATE",
	duckdb.STATEMENT_TYPE_EXECUTE:      "EXECUTE",
	duckdb.STATEMENT_TYPE_ALTER:        "ALTER",
	duckdb.STATEMENT_TYPE_TRANSACTION:  "TRANSACTION",
	duckdb.STATEMENT_TYPE_COPY:         "COPY",
	duckdb.STATEMENT_TYPE_ANALYZE:      "ANALYZE",
	duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE",
	duckdb.STATEMENT_TYPE_CREATE_FUNC:  "CREATE FUNCTION",
	duckdb.STATEMENT_TYPE_DROP:         "DROP",
	duckdb.STATEMENT_TYPE_EXPORT:       "EXPORT",
	duckdb.STATEMENT_TYPE_PRAGMA:       "PRAGMA",
	duckdb.STATEMENT_TYPE_VACUUM:       "VACUUM",
	duckdb.STATEMENT_TYPE_CALL:         "CALL",
	duckdb.STATEMENT_TYPE_SET:          "SET",
	duckdb.STATEMENT_TYPE_LOAD:         "LOAD",
	duckdb.STATEMENT_TYPE_RELATION:     "RELATION",
	duckdb.STATEMENT_TYPE_EXTENSION:    "EXTENSION",
	duckdb.STATEMENT_TYPE_LOGICAL_PLAN: "LOGICAL PLAN",
	duckdb.STATEMENT_TYPE_ATTACH:       "ATTACH",
	duckdb.STATEMENT_TYPE_DETACH:       "DETACH",
	duckdb.STATEMENT_TYPE_MULTI:        "MULTI",
	duckdb.StmtType(28):                "COPY DATABASE",
	duckdb.StmtType(29):                "UPDATE EXTENSIONS",
	stmtMergeInto:                      "MERGE",
}

func kindName(t duckdb.StmtType) string {
	if n, ok := kindNames[t]; ok {
		return n
	}
	return "statement type " + strconv.Itoa(int(t))
}

const allowedText = "only SELECT, INSERT, UPDATE, DELETE, MERGE, CREATE, ALTER and DROP run here"

// maxRowsCap keeps maxRows+1 from overflowing in the LIMIT the engine adds.
const maxRowsCap = 1 << 40

// Transaction states.
var (
	// ErrTxDone: a Tx method was called after its function returned.
	ErrTxDone = errors.New("transaction already finished")
	// ErrTxAborted: a statement of the transaction failed earlier; the
	// transaction refuses further statements and rolls back.
	ErrTxAborted = errors.New("transaction aborted by an earlier error")
)

// Exec runs one statement that returns no rows (INSERT, UPDATE, DELETE,
// MERGE, CREATE, ALTER, DROP) in its own transaction and returns the rows
// it changed. SELECT is refused: use Query. args bind to the statement's
// placeholders (? or $1); pass Go values, Decimal or Interval.
func (e *Engine) Exec(ctx context.Context, project, query string, args ...any) (int64, error) {
	var n int64
	err := e.withConn(ctx, project, "exec", func(ctx context.Context, c *duckdb.Conn) error {
		var err error
		n, err = e.execOn(ctx, project, c, query, args)
		return err
	})
	return n, err
}

// Query runs one statement and returns at most maxRows of its rows
// (maxRows <= 0 means Options.MaxResultRows); Result.Truncated says
// whether more existed. A SELECT runs as
//
//	SELECT * FROM (<query>) LIMIT maxRows+1
//
// so DuckDB never produces more rows than that (the driver keeps a whole
// result in memory, outside DuckDB's memory limit). A SELECT DuckDB cannot
// take as a subquery (a PRAGMA form, or text after a final ';') is refused
// with ErrUnboundedResult. Other allowed kinds run as they are (INSERT
// ... RETURNING, say).
func (e *Engine) Query(ctx context.Context, project, query string, maxRows int, args ...any) (*Result, error) {
	var r *Result
	err := e.withConn(ctx, project, "query", func(ctx context.Context, c *duckdb.Conn) error {
		var err error
		r, err = e.queryOn(ctx, project, c, query, maxRows, args)
		return err
	})
	return r, err
}

// withConn runs fn on a connection of the project's database under the
// statement time limit; a Drop or Close interrupts it.
func (e *Engine) withConn(ctx context.Context, project, op string, fn func(context.Context, *duckdb.Conn) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, e.opts.StatementTimeout, errStatementDeadline)
	defer cancel()
	d, err := e.acquire(ctx, project, op, false)
	if err != nil {
		return e.classify(ctx, project, op, err)
	}
	defer e.release(d)
	sctx, cancelCause := context.WithCancelCause(ctx)
	defer cancelCause(nil)
	stop := context.AfterFunc(d.ctx, func() { cancelCause(errDatabaseClosing) })
	defer stop()
	conn, err := d.db.Conn(sctx)
	if err != nil {
		return e.classify(sctx, project, op, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return fn(sctx, c)
	})
	return e.classify(sctx, project, op, err)
}

// prepare prepares exactly one statement of an allowed kind. The driver's
// Conn.Prepare (unlike PrepareContext and the Exec/Query paths of
// database/sql) refuses SQL text with several statements without running
// any of them; its only other refusals are an empty text and a closed
// connection, so every non-DuckDB error from it is reported as
// ErrNotOneStatement.
func (e *Engine) prepare(project string, c *duckdb.Conn, query string) (*duckdb.Stmt, duckdb.StmtType, error) {
	if isCreateSecret(query) {
		return nil, 0, &StatementError{Project: project, Kind: "CREATE SECRET", Reason: "secrets are not available", err: ErrStatementNotAllowed}
	}
	ds, err := c.Prepare(query)
	if err != nil {
		var de *duckdb.Error
		if errors.As(err, &de) {
			return nil, 0, err
		}
		return nil, 0, &StatementError{Project: project, Reason: "the SQL text must hold exactly one statement; it holds none or several", err: ErrNotOneStatement}
	}
	st, ok := ds.(*duckdb.Stmt)
	if !ok {
		ds.Close()
		return nil, 0, fmt.Errorf("unexpected driver statement %T", ds)
	}
	kind, err := st.StatementType()
	if err != nil {
		st.Close()
		return nil, 0, err
	}
	if !allowedKinds[kind] {
		st.Close()
		return nil, 0, &StatementError{Project: project, Kind: kindName(kind), Reason: allowedText, err: ErrStatementNotAllowed}
	}
	return st, kind, nil
}

func (e *Engine) execOn(ctx context.Context, project string, c *duckdb.Conn, query string, args []any) (int64, error) {
	st, kind, err := e.prepare(project, c, query)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if kind == duckdb.STATEMENT_TYPE_SELECT {
		return 0, &StatementError{Project: project, Kind: "SELECT", Reason: "Exec runs statements that return no rows; use Query", err: ErrStatementNotAllowed}
	}
	nargs, err := namedArgs(c, args)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, nargs)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (e *Engine) queryOn(ctx context.Context, project string, c *duckdb.Conn, query string, maxRows int, args []any) (*Result, error) {
	if maxRows <= 0 {
		maxRows = e.opts.MaxResultRows
	}
	maxRows = min(maxRows, maxRowsCap)
	st, names, err := e.prepareQuery(project, c, query, maxRows+1)
	if err != nil {
		return nil, err
	}
	nargs, err := namedArgs(c, args)
	if err != nil {
		st.Close()
		return nil, err
	}
	rows, err := st.QueryContext(ctx, nargs)
	if err != nil {
		st.Close()
		return nil, err
	}
	res, err := e.readRows(rows, names, maxRows)
	rows.Close() // before st.Close, which panics on open rows
	st.Close()
	return res, err
}

// prepareQuery prepares query for Query: a SELECT as a subquery under
// LIMIT limit, any other allowed kind as it is. It returns the column
// names to report when they differ from the prepared statement's.
//
// The bounded form is prepared first, so a SELECT costs one prepare. It
// is one SELECT (prepare and the guard check the wrapped text itself), so
// whatever the caller's text was, what runs is one bounded SELECT under
// the same hardening. When it does not prepare, the text is prepared as
// it is: for DuckDB's own error message, or to run a statement of another
// kind (INSERT ... RETURNING), or to refuse a SELECT that cannot be
// bounded.
func (e *Engine) prepareQuery(project string, c *duckdb.Conn, query string, limit int) (*duckdb.Stmt, []string, error) {
	q := strings.TrimRight(query, " \t\r\n\f\v;")
	// The newlines end a trailing "--" comment before the closing parenthesis.
	wrapped := "SELECT * FROM (\n" + q + "\n) LIMIT " + strconv.Itoa(limit)
	if !isCreateSecret(query) {
		st, kind, err := e.prepare(project, c, wrapped)
		if err == nil && kind == duckdb.STATEMENT_TYPE_SELECT {
			names, err := columnNames(st)
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			if !mayBeRenamed(names) {
				return st, nil, nil
			}
			// The subquery renamed duplicate names (a, a -> a, a_1), or
			// the statement has such names itself: ask the statement.
			orig, _, err := e.prepare(project, c, query)
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			names, err = columnNames(orig)
			orig.Close()
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			return st, names, nil
		}
		if err == nil {
			st.Close()
		}
	}
	st, kind, err := e.prepare(project, c, query)
	if err != nil {
		return nil, nil, err
	}
	if kind == duckdb.STATEMENT_TYPE_SELECT {
		st.Close()
		return nil, nil, &StatementError{Project: project, Kind: "SELECT", Reason: "DuckDB cannot run it as a subquery under the row limit (PRAGMA forms and text after a final ';' cannot be)", err: ErrUnboundedResult}
	}
	return st, nil, nil
}

// mayBeRenamed reports whether a name looks like DuckDB's renaming of a
// duplicate column ("<other column>_<n>").
func mayBeRenamed(names []string) bool {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[strings.ToLower(n)] = true
	}
	for _, n := range names {
		i := strings.LastIndexByte(n, '_')
		if i <= 0 || i == len(n)-1 {
			continue
		}
		if _, err := strconv.Atoi(n[i+1:]); err == nil && seen[strings.ToLower(n[:i])] {
			return true
		}
	}
	return false
}

func columnNames(st *duckdb.Stmt) ([]string, error) {
	n, err := st.ColumnCount()
	if err != nil {
		return nil, err
	}
	names := make([]string, n)
	for i := range names {
		if names[i], err = st.ColumnName(i); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// readRows converts up to maxRows rows (and MaxResultBytes) of rows.
func (e *Engine) readRows(rows driver.Rows, names []string, maxRows int) (*Result, error) {
	cols := rows.Columns()
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	res := &Result{Columns: make([]Column, len(cols)), Rows: [][]any{}}
	uuid := make([]bool, len(cols))
	for i, name := range cols {
		if len(names) == len(cols) {
			name = names[i]
		}
		res.Columns[i].Name = name
		if typed != nil {
			res.Columns[i].DuckDBType = typed.ColumnTypeDatabaseTypeName(i)
			uuid[i] = res.Columns[i].DuckDBType == "UUID"
		}
	}
	dest := make([]driver.Value, len(cols))
	var size int64
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		if len(res.Rows) == maxRows {
			res.Truncated = true
			return res, nil
		}
		row := make([]any, len(cols))
		for i, v := range dest {
			row[i] = convertValue(v, uuid[i])
			size += sizeOf(row[i])
		}
		if size > e.opts.MaxResultBytes {
			res.Truncated = true
			return res, nil
		}
		res.Rows = append(res.Rows, row)
	}
}

// namedArgs converts arguments as database/sql would: the driver's own
// checker first, then the default converter (which calls driver.Valuer).
func namedArgs(c *duckdb.Conn, args []any) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv := driver.NamedValue{Ordinal: i + 1, Value: a}
		if na, ok := a.(sql.NamedArg); ok {
			nv.Name, nv.Value = na.Name, na.Value
		}
		nv.Value = toDriverValue(nv.Value)
		if err := c.CheckNamedValue(&nv); err != nil {
			if !errors.Is(err, driver.ErrSkip) {
				return nil, fmt.Errorf("argument %d: %w", i+1, err)
			}
			v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
			if err != nil {
				return nil, fmt.Errorf("argument %d: %w", i+1, err)
			}
			nv.Value = v
		}
		out[i] = nv
	}
	return out, nil
}

// Tx is one DuckDB transaction on one connection, for statements that
// must commit together (the catalog and the data). It is valid only inside
// the function given to Engine.Tx; its methods serialize.
//
// After a statement fails (whether DuckDB or the engine refused it), the
// transaction is aborted: later statements return ErrTxAborted and it will
// not commit, even if the function returns nil. (DuckDB alone would
// commit after an error found while preparing, such as a missing table.)
type Tx struct {
	e       *Engine
	project string
	conn    *duckdb.Conn
	ctx     context.Context // the transaction's: TxTimeout, Drop, Close

	mu     sync.Mutex
	done   bool
	failed error // the first statement error
}

// Tx runs fn in one transaction on the project's database and commits
// when fn returns nil and none of its statements failed; it rolls back
// when fn returns an error (returned unchanged), when a statement failed
// (ErrTxAborted) or when fn panics. Each statement is bounded by
// StatementTimeout, the whole transaction (fn included) by TxTimeout. A
// commit that conflicts with another transaction returns an error
// wrapping ErrConflict, and nothing was written. fn must not use the
// project outside tx while it holds all of Options.MaxConns connections.
func (e *Engine) Tx(ctx context.Context, project string, fn func(tx *Tx) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, e.opts.TxTimeout, errTxDeadline)
	defer cancel()
	d, err := e.acquire(ctx, project, "tx", false)
	if err != nil {
		return e.classify(ctx, project, "tx", err)
	}
	defer e.release(d)
	tctx, cancelCause := context.WithCancelCause(ctx)
	defer cancelCause(nil)
	stop := context.AfterFunc(d.ctx, func() { cancelCause(errDatabaseClosing) })
	defer stop()
	conn, err := d.db.Conn(tctx)
	if err != nil {
		return e.classify(tctx, project, "tx", err)
	}
	defer conn.Close()
	var txErr error
	rawErr := conn.Raw(func(dc any) (rerr error) {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			txErr = fmt.Errorf("unexpected driver connection %T", dc)
			return nil
		}
		tx := &Tx{e: e, project: project, conn: c, ctx: tctx}
		if err := tx.control("BEGIN TRANSACTION"); err != nil {
			txErr = err
			return driver.ErrBadConn
		}
		committed := false
		defer func() {
			tx.finish()
			// A failed COMMIT has already rolled back, so this ROLLBACK
			// fails too; then, as after any failed ROLLBACK, database/sql
			// is told to drop the connection (a new one is cheap).
			if !committed {
				if err := tx.control("ROLLBACK"); err != nil {
					rerr = driver.ErrBadConn
				}
			}
		}()
		if err := fn(tx); err != nil {
			txErr = err
			return nil
		}
		tx.finish()
		if tx.failed != nil {
			txErr = tx.aborted()
			return nil
		}
		if err := tx.control("COMMIT"); err != nil {
			txErr = err
			return nil
		}
		committed = true
		return nil
	})
	if txErr == nil && rawErr != nil && !errors.Is(rawErr, driver.ErrBadConn) {
		txErr = e.classify(tctx, project, "tx", rawErr)
	}
	return txErr
}

func (tx *Tx) finish() {
	tx.mu.Lock()
	tx.done = true
	tx.mu.Unlock()
}

// control runs a transaction-control statement, which the statement guard
// refuses to callers, under the statement time limit. ROLLBACK runs even
// after the transaction's context ended.
func (tx *Tx) control(stmt string) error {
	parent := tx.ctx
	if stmt == "ROLLBACK" {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeoutCause(parent, tx.e.opts.StatementTimeout, errStatementDeadline)
	defer cancel()
	if err := ctx.Err(); err != nil {
		// The driver does not look at a context that ended before the
		// statement starts: a COMMIT after the transaction's deadline must
		// fail here.
		return tx.e.classify(ctx, tx.project, "tx", err)
	}
	_, err := tx.conn.ExecContext(ctx, stmt, nil)
	return tx.e.classify(ctx, tx.project, "tx", err)
}

// Exec is Engine.Exec inside the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return 0, &ProjectError{Op: "tx", Project: tx.project, Err: ErrTxDone}
	}
	if tx.failed != nil {
		return 0, tx.aborted()
	}
	sctx, cancel := tx.statementContext(ctx)
	defer cancel()
	var n int64
	err := sctx.Err()
	if err == nil {
		n, err = tx.e.execOn(sctx, tx.project, tx.conn, query, args)
	}
	err = tx.e.classify(sctx, tx.project, "tx", err)
	if err != nil {
		tx.failed = err
	}
	return n, err
}

// Query is Engine.Query inside the transaction.
func (tx *Tx) Query(ctx context.Context, query string, maxRows int, args ...any) (*Result, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return nil, &ProjectError{Op: "tx", Project: tx.project, Err: ErrTxDone}
	}
	if tx.failed != nil {
		return nil, tx.aborted()
	}
	sctx, cancel := tx.statementContext(ctx)
	defer cancel()
	var r *Result
	err := sctx.Err()
	if err == nil {
		r, err = tx.e.queryOn(sctx, tx.project, tx.conn, query, maxRows, args)
	}
	err = tx.e.classify(sctx, tx.project, "tx", err)
	if err != nil {
		tx.failed = err
		return nil, err
	}
	return r, nil
}

// aborted is the error for a statement after a failed one. Caller holds mu.
func (tx *Tx) aborted() error {
	return &ProjectError{Op: "tx", Project: tx.project, Err: fmt.Errorf("%w: %w", ErrTxAborted, tx.failed)}
}

// statementContext bounds one statement of the transaction by ctx, the
// statement time limit and the transaction's own context.
func (tx *Tx) statementContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sctx, cancelTimeout := context.WithTimeoutCause(ctx, tx.e.opts.StatementTimeout, errStatementDeadline)
	sctx, cancelCause := context.WithCancelCause(sctx)
	if tx.ctx.Err() != nil {
		// Already over: cancel now, not from AfterFunc's goroutine, which
		// could lose the race with the statement about to start.
		cancelCause(context.Cause(tx.ctx))
	}
	stop := context.AfterFunc(tx.ctx, func() { cancelCause(context.Cause(tx.ctx)) })
	return sctx, func() {
		stop()
		cancelCause(nil)
		cancelTimeout()
	}
}

// isCreateSecret reports whether query starts, after comments, with
// CREATE [OR REPLACE] [TEMP|TEMPORARY|PERSISTENT] SECRET. DuckDB reports
// CREATE SECRET as an ordinary CREATE, and preparing one already touches
// the secret directory, so this check runs before prepare.
func isCreateSecret(query string) bool {
	w := leadingWords(query, 5)
	if len(w) == 0 || w[0] != "CREATE" {
		return false
	}
	w = w[1:]
	if len(w) >= 2 && w[0] == "OR" && w[1] == "REPLACE" {
		w = w[2:]
	}
	if len(w) > 0 && (w[0] == "TEMP" || w[0] == "TEMPORARY" || w[0] == "PERSISTENT") {
		w = w[1:]
	}
	return len(w) > 0 && w[0] == "SECRET"
}

// leadingWords returns up to n leading keywords of query, upper-cased,
// skipping white space, "--" comments and (nested) "/* */" comments; it
// stops at the first character that is none of these nor a letter, digit
// or underscore.
func leadingWords(query string, n int) []string {
	var words []string
	i := 0
	for i < len(query) && len(words) < n {
		c := query[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(query[i:], "--"):
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				return words
			}
			i += j + 1
		case strings.HasPrefix(query[i:], "/*"):
			depth := 0
			for i < len(query) {
				if strings.HasPrefix(query[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(query[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case isWordByte(c):
			j := i
			for j < len(query) && isWordByte(query[j]) {
				j++
			}
			words = append(words, strings.ToUpper(query[i:j]))
			i = j
		default:
			return words
		}
	}
	return words
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
