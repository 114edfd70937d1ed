// Package policy is localyun's RAM policy engine: it parses, validates and
// compiles policy documents, and decides requests against them.
//
// Parse turns a document of a Kind (identity, trust, session or resource)
// into an immutable *Policy, or returns a *LengthError or *GrammarError that
// names the statement, the field and the reason. Authorize decides a Request
// against the policies that apply (an Input) and returns a fixed-size Result:
// the Decision and the statements that decided it. AssumeRole applies the
// sts:AssumeRole rules on top of Authorize. Nothing here does I/O, reads the
// clock or keeps global state; the time of a request is its acs:CurrentTime.
//
// The language is the one documented in reference/ram-sts.md §2–§3 and, for
// resource policies, reference/maxcompute.md §3.2; docs/policy.md describes
// it as implemented, with every choice made where the reference is silent.
//
//	trust, err := policy.Parse(policy.Trust, doc, policy.Options{Name: "testRole"})
//	if err != nil { ... } // e.g. Statement[0].Effect: must be "Allow" or "Deny", got "allow"
//	res := policy.AssumeRole(nil, nil, trust, &policy.Request{
//		Principal: policy.Principal{Type: policy.Service, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: accountA},
//		Action:    "sts:AssumeRole",
//		Resource:  "acs:ram::" + accountB + ":role/testrole",
//	})
//	// res.Decision == policy.Allow; res.Reasons() names trust statement 0.
package policy
