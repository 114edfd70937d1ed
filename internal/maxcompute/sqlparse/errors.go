package sqlparse

import "fmt"

// ErrorCode is the ODPS error code of every parse error.
const ErrorCode = "ODPS-0130161"

// ParseError is a statement that could not be parsed: where (1-based line
// and column, in characters, in the text given to Parse or Split) and why.
type ParseError struct {
	Line, Col int
	Message   string
}

// Error formats the error as MaxCompute does:
// `ODPS-0130161:[1,8] Parse exception - invalid token 'frm', expect 'FROM'`.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:[%d,%d] Parse exception - %s", ErrorCode, e.Line, e.Col, e.Message)
}
