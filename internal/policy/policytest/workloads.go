package policytest

import (
	"fmt"
	"math/rand/v2"

	"github.com/localyun/localyun/internal/policy"
)

// Workload is a named benchmark scenario: policies, one request and the
// decision it must get. Benchmarks check the decision on every iteration.
type Workload struct {
	Name string
	// Identity holds the identity policies, each a list of statements.
	Identity [][]Statement
	Session  []Statement // nil: no session policy
	Trust    []Statement // nil: not an AssumeRole
	Request  policy.Request
	Want     policy.Decision
}

// Account is the account every workload's resources live in.
const Account = "1234567890123456"

// benchLimits lets a generated document hold as many statements as a
// workload needs; real documents stay within the defaults.
var benchLimits = policy.Limits{MaxLength: 1 << 22, MaxStatements: 1 << 16}

// Compile parses the workload's documents.
func (w Workload) Compile() (policy.Input, error) {
	var in policy.Input
	for i, stmts := range w.Identity {
		p, err := policy.Parse(policy.Identity, Document(stmts...), policy.Options{Name: fmt.Sprintf("identity-%d", i), Limits: benchLimits})
		if err != nil {
			return in, err
		}
		in.Identity = append(in.Identity, p)
	}
	if w.Session != nil {
		p, err := policy.Parse(policy.Session, Document(w.Session...), policy.Options{Name: "session", Limits: benchLimits})
		if err != nil {
			return in, err
		}
		in.Session = p
	}
	if w.Trust != nil {
		p, err := policy.Parse(policy.Trust, Document(w.Trust...), policy.Options{Name: "trust", Limits: benchLimits})
		if err != nil {
			return in, err
		}
		in.Resource = []*policy.Policy{p}
		in.Combine = policy.BothAllow
	}
	return in, nil
}

// Decide runs the workload's request through the engine as localyun does:
// policy.AssumeRole for workloads with a trust policy, else policy.Authorize.
func (w Workload) Decide(in policy.Input) policy.Result {
	if w.Trust != nil {
		return policy.AssumeRole(in.Identity, in.Session, in.Resource[0], &w.Request)
	}
	return policy.Authorize(in, &w.Request)
}

// Workloads returns every named workload, in a fixed order.
func Workloads() []Workload {
	return []Workload{
		Exact10(),
		Mixed(100),
		Mixed(1000),
		ConditionHeavy(),
		SessionIntersection(),
		SeedTrust(),
	}
}

var exactActions = []string{
	"ecs:DescribeInstances", "ecs:StartInstance", "ecs:StopInstance", "ecs:RebootInstance",
	"oss:GetObject", "oss:PutObject", "ram:GetRole", "ram:CreateRole",
	"odps:Select", "hologram:GetInstance",
}

// ExactResource is the resource of statement i of Exact10.
func ExactResource(i int) string {
	return fmt.Sprintf("acs:ecs:cn-hangzhou:%s:instance/i-bp1%08d", Account, i)
}

// Exact10 is ten Allow statements, each one exact action on one exact
// resource. The request matches only the last statement, so every
// statement is examined.
func Exact10() Workload {
	stmts := make([]Statement, 10)
	for i := range stmts {
		stmts[i] = Allow(exactActions[i]).On(ExactResource(i))
	}
	return Workload{
		Name:     "exact-10",
		Identity: [][]Statement{stmts},
		Request:  policy.Request{Action: exactActions[9], Resource: ExactResource(9)},
		Want:     policy.Allow,
	}
}

// Mixed is n statements in documents of 50, mixing exact and wildcard
// actions and resources with a few Denies, as attached policies of a busy
// account look. The request is allowed by a statement near the end and
// denied by none.
func Mixed(n int) Workload {
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	services := []string{"ecs", "oss", "rds", "ram", "odps", "hologram", "dataworks", "vpc", "kms", "slb"}
	verbs := []string{"Describe", "Get", "List", "Create", "Delete", "Update", "Start", "Stop"}
	nouns := []string{"Instance", "Instances", "Bucket", "Object", "Role", "Policy", "Table", "Database"}
	var docs [][]Statement
	var doc []Statement
	for i := range n {
		svc := services[rng.IntN(len(services))]
		var action, resource string
		switch rng.IntN(10) {
		case 0, 1, 2, 3, 4, 5: // exact
			action = svc + ":" + verbs[rng.IntN(len(verbs))] + nouns[rng.IntN(len(nouns))]
			resource = fmt.Sprintf("acs:%s:cn-hangzhou:%s:instance/i-%06d", svc, Account, rng.IntN(1e6))
		case 6, 7: // prefix patterns
			action = svc + ":" + verbs[rng.IntN(len(verbs))] + "*"
			resource = fmt.Sprintf("acs:%s:*:%s:bucket-%d/*", svc, Account, rng.IntN(1000))
		case 8: // inner wildcards
			action = svc + ":*" + nouns[rng.IntN(len(nouns))]
			resource = fmt.Sprintf("acs:%s:*:*:project-%d/table-?/*", svc, rng.IntN(1000))
		default: // everything in a service
			action = svc + ":*"
			resource = fmt.Sprintf("acs:%s:*:%s:*-%d", svc, Account, rng.IntN(1000))
		}
		s := Allow(action).On(resource)
		if rng.IntN(20) == 0 {
			s.Effect = "Deny"
		}
		doc = append(doc, s)
		if len(doc) == 50 || i == n-1 {
			docs = append(docs, doc)
			doc = nil
		}
	}
	// The statement that allows the request, near the end.
	last := docs[len(docs)-1]
	last[len(last)-2] = Allow("bench:ReadData").On("acs:bench:cn-hangzhou:" + Account + ":data/*")
	return Workload{
		Name:     fmt.Sprintf("mixed-%d", n),
		Identity: docs,
		Request:  policy.Request{Action: "bench:ReadData", Resource: "acs:bench:cn-hangzhou:" + Account + ":data/2026/11/part-0001"},
		Want:     policy.Allow,
	}
}

// ConditionHeavy is twenty statements of four conditions each (IP ranges,
// time, a string pattern, a boolean); only the last one's conditions hold.
func ConditionHeavy() Workload {
	var stmts []Statement
	for i := range 20 {
		s := Allow("oss:GetObject", "oss:PutObject").On("acs:oss:*:"+Account+":bucket/*").
			When("IpAddress", policy.KeySourceIP, fmt.Sprintf("10.%d.0.0/16", i), "192.168.0.0/16", "2001:db8::/32").
			When("DateLessThan", policy.KeyCurrentTime, "2030-01-01T00:00:00+08:00").
			When("StringLike", "oss:Prefix", fmt.Sprintf("team-%d/*", i)).
			When("Bool", policy.KeySecureTransport, "true")
		stmts = append(stmts, s)
	}
	return Workload{
		Name:     "condition-heavy-20x4",
		Identity: [][]Statement{stmts},
		Request: policy.Request{
			Action:   "oss:GetObject",
			Resource: "acs:oss:*:" + Account + ":bucket/team-19/report.csv",
			Context: policy.Context{
				{Key: policy.KeySourceIP, Values: []string{"10.19.3.4"}},
				{Key: policy.KeyCurrentTime, Values: []string{"2026-11-26T12:00:00Z"}},
				{Key: "oss:Prefix", Values: []string{"team-19/report"}},
				{Key: policy.KeySecureTransport, Values: []string{"true"}},
			},
		},
		Want: policy.Allow,
	}
}

// SessionIntersection is a role with broad policies narrowed by a session
// policy, as a DataWorks session is.
func SessionIntersection() Workload {
	w := Exact10()
	w.Name = "session-intersection"
	w.Identity = append(w.Identity, []Statement{Allow("ecs:*", "oss:*", "ram:Get*", "hologram:*").On("*")})
	w.Session = []Statement{
		Deny("ram:*").On("*"),
		Allow("hologram:GetInstance", "hologram:ListDatabases").On("*"),
		Allow(exactActions[9]).On("acs:ecs:*:" + Account + ":instance/*"),
	}
	return w
}

// SeedTrust is the seed's trust policy and the DataWorks engine of account A
// assuming the role.
func SeedTrust() Workload {
	const accountA = "6543210987654321"
	return Workload{
		Name:  "seed-trust",
		Trust: []Statement{Allow("sts:AssumeRole").From("Service", accountA+"@engine.dataworks.aliyuncs.com")},
		Request: policy.Request{
			Principal: policy.Principal{Type: policy.Service, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: accountA},
			Action:    "sts:AssumeRole",
			Resource:  "acs:ram::" + Account + ":role/testrole",
		},
		Want: policy.Allow,
	}
}
