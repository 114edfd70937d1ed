// Package cedar compares localyun's RAM policy engine (internal/policy) with
// cedar-go on the exact-match workload. It is its own module so that
// cedar-go never becomes a dependency of localyun; see README.md.
package cedar

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"

	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/policy/policytest"
)

// pair is one scenario in both engines: a localyun workload, and the Cedar
// policy set and request that say the same thing.
type pair struct {
	name string
	w    policytest.Workload
	ps   *cedar.PolicySet
	req  cedar.Request
}

// principal is the Cedar principal of every request. The policies leave the
// principal unconstrained, as the RAM identity statements name none.
var principal = cedar.NewEntityUID("User", "alice")

// exact100 is Exact10's shape at 100 statements: statement i allows one
// exact action on policytest.ExactResource(i), and the request matches only
// the last statement.
func exact100() policytest.Workload {
	const n = 100
	stmts := make([]policytest.Statement, n)
	for i := range stmts {
		stmts[i] = policytest.Allow(exact100Action(i)).On(policytest.ExactResource(i))
	}
	return policytest.Workload{
		Name:     "exact-100",
		Identity: [][]policytest.Statement{stmts},
		Request:  policy.Request{Action: exact100Action(n - 1), Resource: policytest.ExactResource(n - 1)},
		Want:     policy.Allow,
	}
}

func exact100Action(i int) string {
	services := []string{"ecs", "oss", "ram", "odps", "hologram"}
	return fmt.Sprintf("%s:Action%03d", services[i%len(services)], i)
}

// implicitDeny turns w into a request that no statement allows: the action
// of the last statement on the resource of the first. Every statement
// still has to be examined; one half of the scope matches in two of them.
func implicitDeny(w policytest.Workload) policytest.Workload {
	stmts := w.Identity[0]
	w.Name += "-deny"
	w.Request = policy.Request{Action: stmts[len(stmts)-1].Action[0], Resource: stmts[0].Resource[0]}
	w.Want = policy.ImplicitDeny
	return w
}

// cedarPolicies renders the workload's statements as Cedar policies, one
//
//	permit(principal, action == Action::"<action>", resource == Resource::"<arn>");
//
// per statement, and parses them into a policy set (ids policy0, policy1,
// ... in statement order). Only exact, single-action, single-resource Allow
// statements without principals or conditions have such a translation.
func cedarPolicies(w policytest.Workload) (*cedar.PolicySet, error) {
	var doc strings.Builder
	for _, stmts := range w.Identity {
		for _, s := range stmts {
			if s.Effect != "Allow" || len(s.Action) != 1 || len(s.Resource) != 1 || s.NotAction != nil || s.Principal != nil || s.Condition != nil {
				return nil, fmt.Errorf("%s: statement %+v has no exact Cedar equivalent", w.Name, s)
			}
			if strings.ContainsAny(s.Action[0]+s.Resource[0], "*?\"\\") {
				return nil, fmt.Errorf("%s: statement %+v is not an exact match", w.Name, s)
			}
			fmt.Fprintf(&doc, "permit(principal, action == Action::%q, resource == Resource::%q);\n", s.Action[0], s.Resource[0])
		}
	}
	return cedar.NewPolicySetFromBytes(w.Name+".cedar", []byte(doc.String()))
}

// cedarRequest is r as a Cedar request: fixed principal, empty context.
func cedarRequest(r policy.Request) cedar.Request {
	return cedar.Request{
		Principal: principal,
		Action:    cedar.NewEntityUID("Action", cedar.String(r.Action)),
		Resource:  cedar.NewEntityUID("Resource", cedar.String(r.Resource)),
		Context:   cedar.NewRecord(nil),
	}
}

func newPair(tb testing.TB, w policytest.Workload) pair {
	tb.Helper()
	ps, err := cedarPolicies(w)
	if err != nil {
		tb.Fatal(err)
	}
	return pair{name: w.Name, w: w, ps: ps, req: cedarRequest(w.Request)}
}

// pairs are the benchmarked scenarios, in the order they are reported.
func pairs(tb testing.TB) []pair {
	e10, e100 := policytest.Exact10(), exact100()
	return []pair{
		newPair(tb, e10),
		newPair(tb, implicitDeny(e10)),
		newPair(tb, e100),
		newPair(tb, implicitDeny(e100)),
	}
}

// cedarWant is the Cedar decision equivalent to a localyun one: Cedar has
// no implicit/explicit distinction, only Allow and Deny.
func cedarWant(d policy.Decision) cedar.Decision {
	if d == policy.Allow {
		return cedar.Allow
	}
	return cedar.Deny
}

// entities is the (empty) entity store of every Cedar request: the
// policies use == only, so no entity data or hierarchy is consulted.
var entities = cedar.EntityMap{}

func BenchmarkLocalyun(b *testing.B) {
	for _, p := range pairs(b) {
		b.Run(p.name, func(b *testing.B) {
			in, err := p.w.Compile()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := p.w.Decide(in); res.Decision != p.w.Want {
					b.Fatalf("decision %v, want %v", res.Decision, p.w.Want)
				}
			}
		})
	}
}

func BenchmarkCedar(b *testing.B) {
	for _, p := range pairs(b) {
		b.Run(p.name, func(b *testing.B) {
			want := cedarWant(p.w.Want)
			b.ReportAllocs()
			for b.Loop() {
				if d, _ := cedar.Authorize(p.ps, entities, p.req); d != want {
					b.Fatalf("decision %v, want %v", d, want)
				}
			}
		})
	}
}

// TestSameDecisions checks that the two engines agree on the benchmarked
// requests, and on every action × resource combination of the statements
// (one allow per statement, all other combinations denied), and that the
// same statement decides each allow.
func TestSameDecisions(t *testing.T) {
	for _, p := range pairs(t) {
		in, err := p.w.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if got := p.w.Decide(in).Decision; got != p.w.Want {
			t.Errorf("%s: localyun decided %v, want %v", p.name, got, p.w.Want)
		}
		if got, diag := cedar.Authorize(p.ps, entities, p.req); got != cedarWant(p.w.Want) || len(diag.Errors) > 0 {
			t.Errorf("%s: cedar decided %v (errors %v), want %v", p.name, got, diag.Errors, cedarWant(p.w.Want))
		}

		stmts := p.w.Identity[0]
		allows := 0
		for i, si := range stmts {
			for j, sj := range stmts {
				w := p.w
				w.Request = policy.Request{Action: si.Action[0], Resource: sj.Resource[0]}
				res := w.Decide(in)
				cd, diag := cedar.Authorize(p.ps, entities, cedarRequest(w.Request))
				if cedarWant(res.Decision) != cd || len(diag.Errors) > 0 {
					t.Fatalf("%s: action %d on resource %d: localyun %v, cedar %v (errors %v)", p.name, i, j, res.Decision, cd, diag.Errors)
				}
				if res.Decision != policy.Allow {
					continue
				}
				allows++
				reasons := res.Reasons()
				want := cedar.PolicyID(fmt.Sprintf("policy%d", i))
				if len(reasons) != 1 || reasons[0].Statement != i || len(diag.Reasons) != 1 || diag.Reasons[0].PolicyID != want {
					t.Fatalf("%s: action %d on resource %d: localyun reasons %v, cedar reasons %v, want statement/policy %d", p.name, i, j, reasons, diag.Reasons, i)
				}
			}
		}
		if allows != len(stmts) {
			t.Errorf("%s: %d allowed combinations, want %d (one per statement)", p.name, allows, len(stmts))
		}
	}
}
