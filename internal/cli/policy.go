package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/policy"
)

// maxPolicyFile bounds what the policy commands read from a file: far above
// any length limit, so that the limit is reported by the parser, and far
// below anything that could hurt.
const maxPolicyFile = 1 << 20

func newPolicyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Validate RAM policies and simulate decisions offline",
	}
	cmd.AddCommand(newPolicyValidateCommand(), newPolicySimulateCommand(time.Now))
	return cmd
}

func newPolicyValidateCommand() *cobra.Command {
	var kindName string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate [--kind identity|trust|session|resource] FILE",
		Short: "Check a policy document; prints \"valid\" or the first error",
		Long: `Check a policy document against the RAM policy grammar and limits.

FILE is a path, or - for standard input. Prints "valid" and exits 0, or
prints the error (statement indexes are 0-based) with its Alibaba error code
and exits 2.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := policy.ParseKind(kindName)
			if err != nil {
				return usageErrorf("%v", err)
			}
			doc, err := readPolicyFile(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			_, perr := policy.Parse(kind, doc, policy.Options{Name: args[0]})
			if asJSON {
				out := validateOutput{Valid: perr == nil, Kind: kind.String()}
				if perr != nil {
					out.Code, out.Message = errorCode(perr), perr.Error()
					var ge *policy.GrammarError
					if errors.As(perr, &ge) {
						out.Statement, out.Path = &ge.Statement, ge.Path
					}
				}
				if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
					return err
				}
				if perr != nil {
					return &exitError{code: ExitUsage}
				}
				return nil
			}
			if perr != nil {
				msg := fmt.Sprintf("invalid %s policy %s: %v (%s)", kind, args[0], perr, errorCode(perr))
				if hint := kindHint(kind, perr); hint != "" {
					msg += "\n" + hint
				}
				return &exitError{code: ExitUsage, msg: msg}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "valid")
			return nil
		},
	}
	cmd.Flags().StringVar(&kindName, "kind", "identity", "document kind: identity, trust, session or resource")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

type validateOutput struct {
	Valid     bool   `json:"valid"`
	Kind      string `json:"kind"`
	Code      string `json:"code,omitempty"`
	Statement *int   `json:"statement,omitempty"`
	Path      string `json:"path,omitempty"`
	Message   string `json:"message,omitempty"`
}

func errorCode(err error) string {
	var le *policy.LengthError
	var ge *policy.GrammarError
	switch {
	case errors.As(err, &le):
		return le.Code()
	case errors.As(err, &ge):
		return ge.Code()
	}
	return ""
}

// kindHint suggests --kind when the document looks like another kind.
func kindHint(kind policy.Kind, err error) string {
	var ge *policy.GrammarError
	if !errors.As(err, &ge) {
		return ""
	}
	switch {
	case kind != policy.Trust && strings.HasSuffix(ge.Path, ".Principal") && strings.HasPrefix(ge.Reason, "not allowed"):
		return "hint: a document with a Principal is a trust or resource policy: use --kind trust or --kind resource"
	case kind != policy.Trust && strings.HasSuffix(ge.Path, ".Resource") && strings.HasPrefix(ge.Reason, "missing"):
		return "hint: a role's trust policy has no Resource: use --kind trust"
	}
	return ""
}

func readPolicyFile(stdin io.Reader, name string) (string, error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", usageErrorf("cannot read policy: %v", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxPolicyFile+1))
	if err != nil {
		return "", usageErrorf("cannot read policy %s: %v", name, err)
	}
	if len(data) > maxPolicyFile {
		return "", usageErrorf("policy %s is larger than %d bytes", name, maxPolicyFile)
	}
	return string(data), nil
}

type simulateFlags struct {
	action, resource string
	policies         []string
	sessionPolicy    string
	trustPolicy      string
	caller           string
	callerService    string
	callerAccount    string
	contexts         []string
	expect           string
	asJSON           bool
}

func newPolicySimulateCommand(now func() time.Time) *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate --action ACTION --resource ARN [--policy FILE]... [flags]",
		Short: "Decide a request against policies, offline, and say which statements decided it",
		Long: `Decide one request against identity, session and trust policies, exactly as
localyun's RAM and STS do, and print the decision (Allow, ExplicitDeny or
ImplicitDeny) with the statements that decided it (0-based indexes).

Without --trust-policy the identity policies (--policy, repeatable), narrowed
by --session-policy, decide.

With --trust-policy the request is an AssumeRole: --action must be
sts:AssumeRole, --resource is the role ARN (acs:ram::<uid>:role/<name>), and
the caller is --caller (acs:ram::<uid>:user/<name>,
acs:ram::<uid>:assumed-role/<role>/<session> or acs:ram::<uid>:root) or a
service (--caller-service NAME --caller-account UID, the account it acts
for). A RAM caller needs an Allow from its identity policies AND from the
trust policy; a service only from the trust policy; the account root may
never assume a role.

--context KEY=VALUE sets a condition key; repeat a key for a multi-valued
key. acs:CurrentTime defaults to now and acs:PrincipalARN to the caller.

Exit status: 0, or 3 when --expect names another decision, 2 for invalid
input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSimulate(cmd, &f, now)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.action, "action", "", "the action, e.g. ram:CreateRole or sts:AssumeRole (required)")
	fl.StringVar(&f.resource, "resource", "", "the resource ARN (required)")
	fl.StringArrayVar(&f.policies, "policy", nil, "an identity policy file (repeatable)")
	fl.StringVar(&f.sessionPolicy, "session-policy", "", "a session policy file")
	fl.StringVar(&f.trustPolicy, "trust-policy", "", "a role's trust policy file: simulate AssumeRole")
	fl.StringVar(&f.caller, "caller", "", "the calling RAM identity's ARN")
	fl.StringVar(&f.callerService, "caller-service", "", "the calling service, e.g. engine.dataworks.aliyuncs.com")
	fl.StringVar(&f.callerAccount, "caller-account", "", "the account the calling service acts for")
	fl.StringArrayVar(&f.contexts, "context", nil, "a condition key, KEY=VALUE (repeatable)")
	fl.StringVar(&f.expect, "expect", "", "the expected decision: Allow, ExplicitDeny or ImplicitDeny (exit 3 otherwise)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object")
	_ = cmd.MarkFlagRequired("action")
	_ = cmd.MarkFlagRequired("resource")
	return cmd
}

// simulateOutput is the --json output.
type simulateOutput struct {
	Decision string          `json:"decision"`
	Deciding []decidingEntry `json:"deciding"`
	// Omitted counts deciding statements beyond policy.MaxReasons.
	Omitted int `json:"omitted,omitempty"`
	// Explanation says, for an ImplicitDeny, which side did not allow.
	Explanation string `json:"explanation,omitempty"`
}

type decidingEntry struct {
	Side      string `json:"side"`
	Policy    string `json:"policy"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
}

func runSimulate(cmd *cobra.Command, f *simulateFlags, now func() time.Time) error {
	var expect policy.Decision
	if f.expect != "" {
		d, ok := policy.ParseDecision(f.expect)
		if !ok {
			return usageErrorf("--expect %q: use Allow, ExplicitDeny or ImplicitDeny", f.expect)
		}
		expect = d
	}
	load := func(kind policy.Kind, name string) (*policy.Policy, error) {
		doc, err := readPolicyFile(cmd.InOrStdin(), name)
		if err != nil {
			return nil, err
		}
		p, err := policy.Parse(kind, doc, policy.Options{Name: name})
		if err != nil {
			return nil, usageErrorf("invalid %s policy %s: %v (%s)", kind, name, err, errorCode(err))
		}
		return p, nil
	}
	var identity []*policy.Policy
	for _, name := range f.policies {
		p, err := load(policy.Identity, name)
		if err != nil {
			return err
		}
		identity = append(identity, p)
	}
	var session, trust *policy.Policy
	var err error
	if f.sessionPolicy != "" {
		if session, err = load(policy.Session, f.sessionPolicy); err != nil {
			return err
		}
	}
	if f.trustPolicy != "" {
		if trust, err = load(policy.Trust, f.trustPolicy); err != nil {
			return err
		}
	}
	caller, err := simulateCaller(f)
	if err != nil {
		return err
	}
	req := &policy.Request{Principal: caller, Action: f.action, Resource: f.resource}
	if req.Context, err = simulateContext(f.contexts, caller, now); err != nil {
		return err
	}

	var res policy.Result
	var explanation string
	if trust != nil {
		if !strings.EqualFold(f.action, "sts:AssumeRole") {
			return usageErrorf("--trust-policy simulates AssumeRole: --action must be sts:AssumeRole, got %q", f.action)
		}
		if !isRoleARN(f.resource) {
			return usageErrorf("--trust-policy simulates AssumeRole: --resource must be a role ARN acs:ram::<uid>:role/<name>, got %q", f.resource)
		}
		if caller.Type == policy.Anonymous {
			return usageErrorf("--trust-policy needs a caller: --caller ARN, or --caller-service NAME with --caller-account UID")
		}
		res = policy.AssumeRole(identity, session, trust, req)
		if res.Decision == policy.ImplicitDeny {
			explanation = explainAssumeRole(identity, session, trust, req)
		}
	} else {
		res = policy.Authorize(policy.Input{Identity: identity, Session: session}, req)
		if res.Decision == policy.ImplicitDeny {
			explanation = explainImplicitDeny(identity, session, req)
		}
	}

	out := simulateOutput{Decision: res.Decision.String(), Deciding: []decidingEntry{}, Explanation: explanation}
	for _, r := range res.Reasons() {
		out.Deciding = append(out.Deciding, decidingEntry{Side: r.Side(), Policy: r.Policy.Name(), Statement: r.Statement, Sid: r.Sid()})
	}
	out.Omitted = res.Total() - len(res.Reasons())
	w := cmd.OutOrStdout()
	if f.asJSON {
		if err := writeJSON(w, out); err != nil {
			return err
		}
	} else {
		printSimulation(w, req, out)
	}
	if f.expect != "" && res.Decision != expect {
		return &exitError{code: ExitMismatch, msg: fmt.Sprintf("expected %s, got %s", expect, res.Decision)}
	}
	return nil
}

func printSimulation(w io.Writer, req *policy.Request, out simulateOutput) {
	fmt.Fprintf(w, "%s: %s on %s\n", out.Decision, req.Action, req.Resource)
	for _, d := range out.Deciding {
		verb := "allowed by"
		if out.Decision == policy.ExplicitDeny.String() {
			verb = "denied by"
		}
		sid := ""
		if d.Sid != "" {
			sid = fmt.Sprintf(" (Sid %q)", d.Sid)
		}
		fmt.Fprintf(w, "  %s %s policy %s, statement %d%s\n", verb, d.Side, d.Policy, d.Statement, sid)
	}
	if out.Omitted > 0 {
		fmt.Fprintf(w, "  and %d more statements\n", out.Omitted)
	}
	if out.Explanation != "" {
		fmt.Fprintf(w, "  %s\n", out.Explanation)
	}
}

// explainAssumeRole says which side of an AssumeRole did not allow.
func explainAssumeRole(identity []*policy.Policy, session, trust *policy.Policy, req *policy.Request) string {
	p := req.Principal
	if p.Type == policy.Root {
		return "the account root may never assume a role: call AssumeRole as a RAM user or a role session"
	}
	trustSide := policy.Authorize(policy.Input{Resource: []*policy.Policy{trust}, Combine: policy.ResourceOnly}, req)
	var missing []string
	if p.Type != policy.Service && p.Type != policy.Federated {
		idSide := policy.Authorize(policy.Input{Identity: identity, Session: session}, req)
		if idSide.Decision != policy.Allow {
			missing = append(missing, fmt.Sprintf("no identity policy of the caller allows sts:AssumeRole on %s (attach AliyunSTSAssumeRoleAccess or a policy that does)", req.Resource))
		}
	}
	if trustSide.Decision != policy.Allow {
		who := p.ARN()
		if p.Type == policy.Service {
			who = fmt.Sprintf("%s@%s (the service %s acting for account %s)", p.OnBehalfOf, p.Name, p.Name, p.OnBehalfOf)
		}
		missing = append(missing, fmt.Sprintf("the trust policy does not allow %s", who))
	}
	return strings.Join(missing, "; ")
}

func explainImplicitDeny(identity []*policy.Policy, session *policy.Policy, req *policy.Request) string {
	if session != nil {
		only := policy.Authorize(policy.Input{Identity: identity}, req)
		if only.Decision == policy.Allow {
			return fmt.Sprintf("the identity policies allow %s, but the session policy does not", req.Action)
		}
	}
	return fmt.Sprintf("no statement allows %s on %s", req.Action, req.Resource)
}

func simulateCaller(f *simulateFlags) (policy.Principal, error) {
	if f.caller != "" && (f.callerService != "" || f.callerAccount != "") {
		return policy.Principal{}, usageErrorf("give either --caller or --caller-service with --caller-account, not both")
	}
	if f.callerService != "" || f.callerAccount != "" {
		if f.callerService == "" || f.callerAccount == "" {
			return policy.Principal{}, usageErrorf("--caller-service and --caller-account go together")
		}
		if !isAccountID(f.callerAccount) {
			return policy.Principal{}, usageErrorf("--caller-account must be an account UID (digits), got %q", f.callerAccount)
		}
		return policy.Principal{Type: policy.Service, Name: f.callerService, OnBehalfOf: f.callerAccount}, nil
	}
	if f.caller == "" {
		return policy.Principal{}, nil
	}
	p, ok := parseCallerARN(f.caller)
	if !ok {
		return policy.Principal{}, usageErrorf("--caller must be acs:ram::<uid>:user/<name>, acs:ram::<uid>:assumed-role/<role>/<session> or acs:ram::<uid>:root, got %q", f.caller)
	}
	return p, nil
}

func parseCallerARN(arn string) (policy.Principal, bool) {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return policy.Principal{}, false
	}
	account, rel, ok := strings.Cut(rest, ":")
	if !ok || !isAccountID(account) {
		return policy.Principal{}, false
	}
	switch {
	case rel == "root":
		return policy.Principal{Type: policy.Root, Account: account}, true
	case strings.HasPrefix(rel, "user/"):
		name := rel[len("user/"):]
		if name == "" || strings.Contains(name, "/") {
			return policy.Principal{}, false
		}
		return policy.Principal{Type: policy.User, Account: account, Name: name}, true
	case strings.HasPrefix(rel, "assumed-role/"):
		role, session, ok := strings.Cut(rel[len("assumed-role/"):], "/")
		if !ok || role == "" || session == "" || strings.Contains(session, "/") {
			return policy.Principal{}, false
		}
		return policy.Principal{Type: policy.RoleSession, Account: account, Name: role, Session: session}, true
	}
	return policy.Principal{}, false
}

func isRoleARN(arn string) bool {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return false
	}
	account, rel, ok := strings.Cut(rest, ":")
	if !ok || !isAccountID(account) {
		return false
	}
	name, ok := strings.CutPrefix(rel, "role/")
	return ok && name != "" && !strings.Contains(name, "/")
}

func isAccountID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// simulateContext builds the request context from KEY=VALUE flags, in the
// order given; a repeated key collects several values.
func simulateContext(flags []string, caller policy.Principal, now func() time.Time) (policy.Context, error) {
	var ctx policy.Context
	for _, kv := range flags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--context %q: use KEY=VALUE, e.g. acs:SourceIp=192.168.0.1", kv)
		}
		found := false
		for i := range ctx {
			if strings.EqualFold(ctx[i].Key, k) {
				ctx[i].Values = append(ctx[i].Values, v)
				found = true
				break
			}
		}
		if !found {
			ctx = append(ctx, policy.ContextEntry{Key: k, Values: []string{v}})
		}
	}
	if _, ok := ctx.Lookup(policy.KeyCurrentTime); !ok {
		ctx = append(ctx, policy.ContextEntry{Key: policy.KeyCurrentTime, Values: []string{now().UTC().Format(time.RFC3339)}})
	}
	if arn := caller.ARN(); arn != "" {
		if _, ok := ctx.Lookup(policy.KeyPrincipalARN); !ok {
			ctx = append(ctx, policy.ContextEntry{Key: policy.KeyPrincipalARN, Values: []string{arn}})
		}
	}
	return ctx, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
