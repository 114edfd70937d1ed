package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Sentinels. Every error the engine returns wraps one of these, a context
// error, or is an *ExecError; test with errors.Is and errors.As.
var (
	// ErrInvalidProject: the project name is not 1 to 128 letters, digits
	// and underscores starting with a letter.
	ErrInvalidProject = errors.New("invalid project name")
	// ErrNoSuchProject: the project has no database file, or it was dropped
	// while the operation waited or ran.
	ErrNoSuchProject = errors.New("no such project")
	// ErrProjectExists: Create found the project's database file.
	ErrProjectExists = errors.New("project exists")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("engine closed")
	// ErrHardening: a database's settings, read back after opening, are
	// not the hardened ones (a DuckDB upgrade renamed or ignored one); the
	// database is not used.
	ErrHardening = errors.New("hardening check failed")

	// ErrTimeout: a statement ran longer than Options.StatementTimeout, or a
	// transaction longer than Options.TxTimeout; it was interrupted.
	ErrTimeout = errors.New("time limit exceeded")
	// ErrMemoryLimit: a statement needed more than Options.MemoryLimit (or,
	// with spilling on, DuckDB could not spill what it needed to).
	ErrMemoryLimit = errors.New("memory limit exceeded")
	// ErrTooManyOpen: Options.MaxOpen databases are open and all are busy.
	ErrTooManyOpen = errors.New("too many open project databases")

	// ErrNotOneStatement: the SQL text holds no statement or several.
	ErrNotOneStatement = errors.New("SQL text must hold exactly one statement")
	// ErrStatementNotAllowed: the statement's kind is not one the engine
	// runs (see the package comment), or SELECT was given to Exec.
	ErrStatementNotAllowed = errors.New("statement not allowed")
	// ErrUnboundedResult: a SELECT could not be wrapped in the row limit.
	ErrUnboundedResult = errors.New("SELECT cannot be bounded by the row limit")

	// ErrConflict: DuckDB refused a write that conflicts with another
	// transaction's (two writers changed the same rows or catalog entry).
	// Nothing of the failed statement or transaction was written; it may be
	// retried. LockTables around writes to a table prevents it.
	ErrConflict = errors.New("write conflict")
)

// Limit names, as LimitError.Limit reports them.
const (
	LimitStatementTimeout = "statement time limit"
	LimitTxTimeout        = "transaction time limit"
	LimitMemory           = "memory limit"
	LimitMaxOpen          = "open databases limit"
)

// ProjectError names the operation and project that failed and wraps the
// reason: a sentinel above, a context error, or an I/O error with host
// paths removed.
type ProjectError struct {
	Op      string // "open", "create", "drop", "exec", "query", "tx", "lock"
	Project string
	Err     error
}

func (e *ProjectError) Error() string {
	return fmt.Sprintf("maxcompute engine: %s project %q: %v", e.Op, e.Project, e.Err)
}

func (e *ProjectError) Unwrap() error { return e.Err }

// LimitError reports which limit of Options a statement, transaction or
// open hit, with its configured value. It wraps ErrTimeout, ErrMemoryLimit
// or ErrTooManyOpen.
type LimitError struct {
	Project string
	Limit   string // one of the Limit* constants
	Value   string // the configured value, e.g. "1m0s" or "512MB"
	Option  string // the Options field that sets it, e.g. "StatementTimeout"
	// Detail is DuckDB's message for a memory error (sanitized, first
	// line), else empty.
	Detail string
	err    error
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("maxcompute engine: project %q: %s of %s exceeded (Options.%s)", e.Project, e.Limit, e.Value, e.Option)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *LimitError) Unwrap() error { return e.err }

// StatementError is a statement the engine refused before running it. It
// wraps ErrNotOneStatement, ErrStatementNotAllowed or ErrUnboundedResult.
type StatementError struct {
	Project string
	// Kind is DuckDB's statement kind ("SELECT", "ATTACH", "PRAGMA", ...),
	// "CREATE SECRET", or "" when the text held no statement or several.
	Kind   string
	Reason string
	err    error
}

func (e *StatementError) Error() string {
	if e.Kind == "" {
		return fmt.Sprintf("maxcompute engine: project %q: %s", e.Project, e.Reason)
	}
	return fmt.Sprintf("maxcompute engine: project %q: %s statement refused: %s", e.Project, e.Kind, e.Reason)
}

func (e *StatementError) Unwrap() error { return e.err }

// ErrorKind classifies an ExecError by DuckDB's error type.
type ErrorKind string

// Error kinds. Other DuckDB error types map to KindOther.
const (
	KindParser         ErrorKind = "Parser"         // syntax
	KindBinder         ErrorKind = "Binder"         // unknown column, type mismatch in the query
	KindCatalog        ErrorKind = "Catalog"        // unknown or duplicate table, view, schema, function
	KindConstraint     ErrorKind = "Constraint"     // NOT NULL, primary key, check
	KindConversion     ErrorKind = "Conversion"     // cast failed
	KindOutOfRange     ErrorKind = "OutOfRange"     // numeric overflow
	KindDivideByZero   ErrorKind = "DivideByZero"   // integer division by zero
	KindInvalidInput   ErrorKind = "InvalidInput"   // bad argument, or a setting change refused
	KindPermission     ErrorKind = "Permission"     // a hardening setting refused the statement
	KindConflict       ErrorKind = "Conflict"       // write-write conflict (also ErrConflict)
	KindNotImplemented ErrorKind = "NotImplemented" // DuckDB lacks the feature
	KindOther          ErrorKind = "Other"
)

// ExecError is DuckDB's refusal of a statement: its error kind and message
// text, with the host's file paths replaced ("<data>" for the engine's
// directory, "<path>" for any other absolute path). Message keeps DuckDB's
// wording, including the "LINE 1: ..." context it adds.
type ExecError struct {
	Project string
	Kind    ErrorKind
	Message string
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("maxcompute engine: project %q: %s", e.Project, e.Message)
}

// Unwrap returns ErrConflict for a write conflict, so errors.Is works.
func (e *ExecError) Unwrap() error {
	if e.Kind == KindConflict {
		return ErrConflict
	}
	return nil
}

var errorKinds = map[duckdb.ErrorType]ErrorKind{
	duckdb.ErrorTypeParser:         KindParser,
	duckdb.ErrorTypeSyntax:         KindParser,
	duckdb.ErrorTypeBinder:         KindBinder,
	duckdb.ErrorTypeCatalog:        KindCatalog,
	duckdb.ErrorTypeConstraint:     KindConstraint,
	duckdb.ErrorTypeConversion:     KindConversion,
	duckdb.ErrorTypeOutOfRange:     KindOutOfRange,
	duckdb.ErrorTypeDivideByZero:   KindDivideByZero,
	duckdb.ErrorTypeInvalidInput:   KindInvalidInput,
	duckdb.ErrorTypePermission:     KindPermission,
	duckdb.ErrorTypeTransaction:    KindConflict,
	duckdb.ErrorTypeNotImplemented: KindNotImplemented,
}

// Causes set on statement contexts, so a cancelled statement can tell which
// limit stopped it.
var (
	errStatementDeadline = errors.New("statement deadline")
	errTxDeadline        = errors.New("transaction deadline")
	errDatabaseClosing   = errors.New("database closing")
)

// classify turns what the driver returned for a statement run under ctx
// into the engine's error types. It never classifies by message text: a
// cancelled context is recognized by its cause, DuckDB's errors by their
// type.
func (e *Engine) classify(ctx context.Context, project, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errStatementDeadline):
			return &LimitError{Project: project, Limit: LimitStatementTimeout, Value: e.opts.StatementTimeout.String(), Option: "StatementTimeout", err: ErrTimeout}
		case errors.Is(cause, errTxDeadline):
			return &LimitError{Project: project, Limit: LimitTxTimeout, Value: e.opts.TxTimeout.String(), Option: "TxTimeout", err: ErrTimeout}
		case errors.Is(cause, errDatabaseClosing):
			e.mu.Lock()
			closed := e.closed
			e.mu.Unlock()
			if closed {
				return &ProjectError{Op: op, Project: project, Err: ErrClosed}
			}
			return &ProjectError{Op: op, Project: project, Err: ErrNoSuchProject}
		default:
			return &ProjectError{Op: op, Project: project, Err: ctx.Err()}
		}
	}
	var engineErr interface{ engineError() }
	if errors.As(err, &engineErr) {
		return err
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		msg := e.sanitize(de.Msg)
		if de.Type == duckdb.ErrorTypeOutOfMemory {
			first, _, _ := strings.Cut(msg, "\n")
			value := e.opts.MemoryLimit
			if e.opts.SpillLimit != "" {
				value += " (and " + e.opts.SpillLimit + " of spill files)"
			}
			return &LimitError{Project: project, Limit: LimitMemory, Value: value, Option: "MemoryLimit", Detail: first, err: ErrMemoryLimit}
		}
		kind, ok := errorKinds[de.Type]
		if !ok {
			kind = KindOther
		}
		return &ExecError{Project: project, Kind: kind, Message: msg}
	}
	return &ExecError{Project: project, Kind: KindOther, Message: e.sanitize(err.Error())}
}

func (*ProjectError) engineError()   {}
func (*LimitError) engineError()     {}
func (*StatementError) engineError() {}
func (*ExecError) engineError()      {}

// absPath matches an absolute path that starts a word or follows a quote,
// bracket or "=". A URL's "//" follows ":" and is left alone.
var absPath = regexp.MustCompile(`(^|[\s"'(\[=,])/[^\s"'()\[\],;]+`)

// sanitize removes host paths from a DuckDB message: the engine's
// directory becomes "<data>" (so "<data>/p.duckdb" still says which file),
// any other absolute path "<path>".
func (e *Engine) sanitize(msg string) string {
	for _, d := range e.dirForms {
		msg = strings.ReplaceAll(msg, d, "<data>")
	}
	return absPath.ReplaceAllStringFunc(msg, func(m string) string {
		if m[0] == '/' {
			return "<path>"
		}
		return m[:1] + "<path>"
	})
}
