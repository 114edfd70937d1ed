package iam

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/policy"
)

// Limits from reference/ram-sts.md §2.6.
const (
	MaxUsers                = 1000
	MaxRoles                = 1000
	MaxCustomPolicies       = 1500
	MaxPolicyVersions       = 5
	MaxAccessKeysPerUser    = 2
	MaxSystemPoliciesPerRef = 20 // per user or role
	MaxCustomPoliciesRole   = 5
	MaxCustomPoliciesUser   = 10
	MinSessionDuration      = 3600 // a role's MaxSessionDuration
	MaxSessionDurationLimit = 43200
	DefaultMaxSession       = 3600
)

// nameRule is the character set and length of a RAM name parameter.
type nameRule struct {
	param string
	max   int
	ok    func(c byte) bool
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

var (
	roleNameRule   = nameRule{"RoleName", 64, func(c byte) bool { return alnum(c) || c == '.' || c == '@' || c == '-' }}
	userNameRule   = nameRule{"UserName", 64, func(c byte) bool { return alnum(c) || c == '.' || c == '_' || c == '-' || c == '@' }}
	policyNameRule = nameRule{"PolicyName", 128, func(c byte) bool { return alnum(c) || c == '-' }}
)

// check returns RAM's InvalidParameter.<Param>.Length or .InvalidChars.
func (r nameRule) check(name string) error {
	return r.checkAs(r.param, name)
}

func (r nameRule) checkAs(param, name string) error {
	if name == "" {
		return apierr.MissingParameter(param)
	}
	if len(name) > r.max {
		return apierr.Newf(400, "InvalidParameter."+param+".Length", `The parameter - "%s" beyond the length limit.`, param).
			WithRecommend("%s is at most %d characters", param, r.max)
	}
	for i := 0; i < len(name); i++ {
		if !r.ok(name[i]) {
			return apierr.Newf(400, "InvalidParameter."+param+".InvalidChars", `The parameter - "%s" contains invalid chars.`, param).
				WithRecommend("%s may contain only letters, digits and %s; %q is not allowed", param, r.extraChars(), name[i])
		}
	}
	return nil
}

func (r nameRule) extraChars() string {
	var extra []byte
	for _, c := range []byte("._@-") {
		if r.ok(c) {
			extra = append(extra, c)
		}
	}
	return fmt.Sprintf("%q", extra)
}

// checkLength is InvalidParameter.<Param>.Length for free text.
func checkLength(param, value string, max int) error {
	if utf8.RuneCountInString(value) > max {
		return apierr.Newf(400, "InvalidParameter."+param+".Length", `The parameter - "%s" beyond the length limit.`, param).
			WithRecommend("%s is at most %d characters", param, max)
	}
	return nil
}

// parsePolicy parses a document and maps its errors to the codes of the
// parameter it came in: lengths to the kind's length code (lengthParam
// names the parameter, e.g. NewAssumeRolePolicyDocument), grammar to
// MalformedPolicyDocument with the parser's message.
func parsePolicy(kind policy.Kind, lengthParam, doc string, opts policy.Options) (*policy.Policy, error) {
	p, err := policy.Parse(kind, doc, opts)
	if err == nil {
		return p, nil
	}
	var le *policy.LengthError
	var ge *policy.GrammarError
	switch {
	case errors.As(err, &le):
		code := le.Code()
		if lengthParam != "" {
			code = "InvalidParameter." + lengthParam + ".Length"
		}
		return nil, apierr.Newf(400, code, `The parameter - "%s" beyond the length limit.`, paramName(kind, lengthParam)).
			WithRecommend("%v", err)
	case errors.As(err, &ge):
		return nil, apierr.New(400, ge.Code(), ge.Error()).WithRecommend("fix the policy document; statement indexes are 0-based")
	}
	return nil, apierr.Internal(err)
}

func paramName(kind policy.Kind, lengthParam string) string {
	if lengthParam != "" {
		return lengthParam
	}
	if kind == policy.Trust {
		return "AssumeRolePolicyDocument"
	}
	return "PolicyDocument"
}
