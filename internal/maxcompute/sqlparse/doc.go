// Package sqlparse is the lexer and recursive-descent parser of the
// MaxCompute SQL localyun accepts: security statements (add user, grant,
// show grants, ...; reference/maxcompute.md §2.2), DDL, DML, queries and
// metadata commands (§5). It builds the nodes of package sqlast and nothing
// else; it never evaluates, resolves or authorizes.
//
// Drive it like this:
//
//	pieces, err := sqlparse.Split(script) // a script, split on top-level ';'
//	for _, pc := range pieces {
//		if sqlparse.IsSecurityText(pc.Text) { /* odpscmd sends it to /authorization */ }
//		st, err := sqlparse.Parse(pc.Text) // one statement
//		...
//	}
//
// Errors are *ParseError, printed as MaxCompute prints them:
// `ODPS-0130161:[<line>,<col>] Parse exception - <message>`, with the
// 1-based line and column (in characters) of the offending token in the
// text given to Parse, and a message that names the token and what was
// expected there.
//
// The grammar fails closed: anything it does not fully understand is a
// parse error, never a guess. In particular:
//
//   - Keywords are case-insensitive. The words of MaxCompute's reserved
//     list (SELECT, FROM, TABLE, PARTITION, COMMENT, STRING, IF, ...) plus
//     a few clause words localyun reserves so that an alias can never
//     swallow them (HAVING, END, EXISTS, INNER, CROSS, OVER, ...) must be
//     quoted in backticks to be used as names. Function calls if(...) and
//     replace(...) are allowed although IF and REPLACE are reserved.
//   - Identifiers are ASCII letters, digits and '_' not starting with a
//     digit, or anything but control characters in backticks (two backticks
//     are one backtick inside).
//   - Strings are in single or double quotes with backslash escapes:
//     \\ \' \" \n \t \r \b \0, three octal digits \001..\177, \uXXXX (a
//     surrogate pair for characters outside the BMP), and \% \_ which stay
//     as written for LIKE patterns. Any other escape is an error.
//   - Numbers: 1 (sqlast.LitInt), 1L, 1S, 1Y, 1.5 and 1e3 (LitDouble),
//     3.14F, 3.5BD; suffixes case-insensitive. Literal.Value holds the
//     number as written without its suffix. Integer literals must fit the
//     suffix's type, with one more allowed for negation (1Y ≤ 128, 1S ≤
//     32768, 1 and 1L ≤ 9223372036854775808): the analyzer checks the
//     sign. -1 is Unary{"-", 1}, except in a PARTITION spec, where it is
//     the Literal "-1". NULL has Value "", TRUE and FALSE "true" and
//     "false".
//   - DATE 'yyyy-mm-dd', DATETIME 'yyyy-mm-dd hh:mi:ss' and TIMESTAMP
//     'yyyy-mm-dd hh:mi:ss[.fffffffff]' are checked to be valid dates.
//   - NOT LIKE and NOT RLIKE are Unary NOT of the LIKE; != is <>; a
//     comma in FROM is a CROSS JOIN; DECIMAL(p) is DECIMAL(p,0); SHOW ACL
//     without ON TYPE is on a table.
//   - Comparisons do not chain (a = b = c is an error); ORDER BY and LIMIT
//     are refused inside a UNION (wrap the union in a subquery), because
//     whether they bind to the last block or to the union differs between
//     dialects.
//   - Principals (§1.1) are ALIYUN$... or RAM$... (provider
//     case-insensitive), bare (letters, digits, $ : @ . _ -) or in
//     backticks; a bare principal containing '/' is an error that says to
//     use backticks. Object types are project, table, function, resource
//     and instance; object names may hold '*' wildcards and up to three
//     dot-separated parts. privilegeproperties keys are checked (policy,
//     allow, conditions, expires; type for CREATE ROLE), and a policy
//     grant must go to a role. Action and role names are not checked here:
//     the executor knows the catalogue (reference/maxcompute.md §3.4).
//   - Comments, including /*+ hints */, are ignored.
//
// Limits (all a *ParseError when exceeded): a statement of at most
// MaxStatementBytes bytes, MaxTokens tokens and MaxDepth levels of nesting
// (parentheses, subqueries, NOT and unary minus chains, nested types), so
// hostile input can never exhaust the stack; a script of at most
// MaxScriptBytes bytes for Split. Text must be valid UTF-8.
package sqlparse

// Limits on input. They are generous for hand-written SQL and for what
// clients generate (an INSERT ... VALUES of a few thousand rows), and bound
// the memory and stack one statement can take.
const (
	// MaxStatementBytes is the longest statement Parse accepts.
	MaxStatementBytes = 1 << 20
	// MaxScriptBytes is the longest script Split accepts.
	MaxScriptBytes = 16 << 20
	// MaxTokens is the most tokens one statement may have. A 1 MiB
	// INSERT ... VALUES of one-digit numbers would have about 500,000;
	// split such inserts into several statements.
	MaxTokens = 100_000
	// MaxDepth is the deepest nesting of expressions, subqueries and types.
	MaxDepth = 200
)
