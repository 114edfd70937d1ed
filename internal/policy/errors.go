package policy

import (
	"errors"
	"fmt"
	"strconv"
)

// Alibaba error codes for rejected documents. Callers put them on the wire;
// the policy package only says which one applies.
const (
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodePolicyGrammar           = "InvalidParameter.PolicyGrammar"
	CodePolicyDocumentLength    = "InvalidParameter.PolicyDocument.Length"
	CodeTrustDocumentLength     = "InvalidParameter.AssumeRolePolicyDocument.Length"
	CodePolicySize              = "InvalidParameter.PolicySize"
)

// ErrInvalidPolicy is wrapped by every error Parse returns, so callers can
// test with errors.Is before looking at the concrete type.
var ErrInvalidPolicy = errors.New("invalid policy document")

// LengthError reports a document longer than the kind allows.
type LengthError struct {
	Kind   Kind
	Limit  int // characters allowed
	Length int // characters in the document
}

func (e *LengthError) Error() string {
	return fmt.Sprintf("the %s policy document is %d characters long; at most %d are allowed", e.Kind, e.Length, e.Limit)
}

func (e *LengthError) Unwrap() error { return ErrInvalidPolicy }

// Code is the Alibaba error code for the length of this kind of document.
func (e *LengthError) Code() string {
	switch e.Kind {
	case Trust:
		return CodeTrustDocumentLength
	case Session:
		return CodePolicySize
	}
	return CodePolicyDocumentLength
}

// GrammarError reports a document that is not valid policy language. Its
// message names the statement (0-based), the field and the reason, for
// example `Statement[1].Effect: must be "Allow" or "Deny", got "allow"`.
type GrammarError struct {
	Kind Kind
	// Statement is the 0-based index of the offending statement, or -1 when
	// the problem is outside any statement.
	Statement int
	// Path locates the field, starting with the statement:
	// "Statement[1].Condition.StringEquals.acs:SourceIp[0]". It is
	// "document" for errors in the JSON itself.
	Path   string
	Reason string
}

func (e *GrammarError) Error() string { return e.Path + ": " + e.Reason }

func (e *GrammarError) Unwrap() error { return ErrInvalidPolicy }

// Code is MalformedPolicyDocument for RAM documents and
// InvalidParameter.PolicyGrammar for STS session policies.
func (e *GrammarError) Code() string {
	if e.Kind == Session {
		return CodePolicyGrammar
	}
	return CodeMalformedPolicyDocument
}

// path builds GrammarError paths as the parser descends.
type path struct {
	stmt int
	text string
}

func (p path) field(name string) path { return path{stmt: p.stmt, text: p.text + "." + name} }

func (p path) index(i int) path {
	return path{stmt: p.stmt, text: p.text + "[" + strconv.Itoa(i) + "]"}
}

func (p path) errorf(k Kind, format string, args ...any) *GrammarError {
	return &GrammarError{Kind: k, Statement: p.stmt, Path: p.text, Reason: fmt.Sprintf(format, args...)}
}
