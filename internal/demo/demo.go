// Package demo plays the seed scenario (the DataWorks page "Cross-account
// authorization (MaxCompute or Hologres)") against a running localyun,
// step by step, with the official clients: account B creates testRole
// trusting account A's DataWorks and grants it a MaxCompute table and a
// Hologres database; account A adds both as cross-account data sources,
// tests them, previews them and is refused when binding them as compute
// engines; account C is refused B's role.
//
// Play prints, for each step, the seed's words, the exact API call or SQL
// statement it sends and what came back, then a summary table; it reports
// whether every step behaved as the seed says. It knows nothing of how the
// server was started: `localyun demo` starts one in-process
// (internal/demo/localserver) and hands Play its address and a way to
// create accounts.
package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Account is an account and its root AccessKey.
type Account struct {
	ID, Name                     string
	AccessKeyID, AccessKeySecret string
}

// Env is the server Play talks to.
type Env struct {
	// Endpoint is the HTTP host:port of the server.
	Endpoint string
	// Region is the region resources are created in (default cn-hangzhou).
	Region string
	// CreateAccount creates an account through the admin socket.
	CreateAccount func(ctx context.Context, name string) (Account, error)
}

// Break names one seed step the demo leaves out or gets wrong on purpose,
// to show (and test) what a user who makes that mistake sees.
type Break string

// The breaks: each leaves out or gets wrong one step of the seed.
const (
	// BreakTrust keeps the trust policy the role was created with (A's
	// root account): the seed's statement for A's DataWorks is missing.
	BreakTrust Break = "trust"
	// BreakAddUser skips `add user` in the MaxCompute project.
	BreakAddUser Break = "add-user"
	// BreakCreateUser skips `CREATE USER "v4_<RoleId>"` in Hologres.
	BreakCreateUser Break = "create-user"
	// BreakRoleARN gives the role's ARN as crossAccountRoleName instead of
	// its name.
	BreakRoleARN Break = "role-arn"
	// BreakHologramPolicy never attaches the seed's hologram:* policy to
	// the role.
	BreakHologramPolicy Break = "hologram-policy"
)

// Breaks lists every Break, for usage messages.
var Breaks = []Break{BreakTrust, BreakAddUser, BreakCreateUser, BreakRoleARN, BreakHologramPolicy}

// Options change how Play runs.
type Options struct {
	// Out receives the step-by-step report and the summary.
	Out io.Writer
	// Break, if set, breaks one step of the seed on purpose.
	Break Break
	// InstanceTimeout bounds the wait for the Hologres instance to run
	// (default 3 minutes).
	InstanceTimeout time.Duration
}

// Result is one step's outcome, as the summary prints it.
type Result struct {
	ID       string // e.g. "1.3"
	Key      string // e.g. "add-user"
	Who      string // A, B or C
	Expected string
	Got      string
	OK       bool
	Skipped  bool
	// Message is the full text of a failure: the service's code and
	// message and what to do.
	Message string
}

// Report is the outcome of Play.
type Report struct {
	Results []Result
	// Names and ids the user can continue with by hand.
	A, B, C     Account
	Project     string // B's MaxCompute project
	InstanceID  string // B's Hologres instance
	HoloAddress string // its front end, host:port
	Database    string // B's Hologres database
	Workspace   int64  // A's DataWorks workspace
	Duration    time.Duration
}

// OK reports whether every step behaved as the seed says.
func (r *Report) OK() bool {
	for _, res := range r.Results {
		if !res.OK {
			return false
		}
	}
	return len(r.Results) > 0
}

// FirstFailure returns the first step that did not behave as the seed
// says, or nil.
func (r *Report) FirstFailure() *Result {
	for i := range r.Results {
		if !r.Results[i].OK && !r.Results[i].Skipped {
			return &r.Results[i]
		}
	}
	return nil
}

// step is one step of the scenario.
type step struct {
	id, key, who string
	// seed is what the step does, in the seed page's words.
	seed   string
	expect string
	// needs are the keys of steps this one depends on: if one of them did
	// not behave, this one is skipped.
	needs []string
	// run performs the step, printing its calls on p, and returns what it
	// got; an error means the step did not behave as the seed says.
	run func(ctx context.Context, p *printer) (string, error)
}

// section is a heading printed before a step.
type section struct {
	before string // the key of the first step of the section
	title  string
}

// Play runs the scenario and prints it; it returns the report, whether or
// not every step behaved. It returns an error only for a bad Env or
// Options.
func Play(ctx context.Context, env Env, o Options) (*Report, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if env.Endpoint == "" || env.CreateAccount == nil {
		return nil, fmt.Errorf("demo: Env needs an Endpoint and CreateAccount")
	}
	if o.Break != "" && !slices.Contains(Breaks, o.Break) {
		return nil, fmt.Errorf("demo: unknown break %q", o.Break)
	}
	if env.Region == "" {
		env.Region = "cn-hangzhou"
	}
	if o.InstanceTimeout <= 0 {
		o.InstanceTimeout = 3 * time.Minute
	}
	start := time.Now()
	sc := &scenario{env: env, o: o, report: &Report{}}
	p := &printer{w: o.Out}
	if o.Break != "" {
		p.linef("BREAK %s: %s\n", o.Break, breakText[o.Break])
	}
	steps, sections := sc.steps()
	failed := map[string]bool{}
	for _, s := range steps {
		for _, sec := range sections {
			if sec.before == s.key {
				p.heading(sec.title)
			}
		}
		res := Result{ID: s.id, Key: s.key, Who: s.who, Expected: s.expect}
		p.stepHeader(s)
		var missing []string
		for _, n := range s.needs {
			if failed[n] {
				missing = append(missing, n)
			}
		}
		switch {
		case len(missing) > 0:
			res.Skipped = true
			res.Got = "skipped: needs " + strings.Join(missing, ", ")
			p.outcome(false, res.Got)
		case ctx.Err() != nil:
			res.Skipped = true
			res.Got = "skipped: interrupted"
			p.outcome(false, res.Got)
		default:
			got, err := s.run(ctx, p)
			if err != nil {
				res.Message = errorText(err)
				res.Got = firstLine(res.Message)
				p.outcome(false, res.Message)
			} else {
				res.OK, res.Got = true, got
				p.outcome(true, got)
			}
		}
		if !res.OK {
			failed[s.key] = true
		}
		sc.report.Results = append(sc.report.Results, res)
	}
	sc.report.Duration = time.Since(start)
	printSummary(o.Out, sc.report)
	return sc.report, nil
}

// printSummary prints the table of steps: expected, got, ok.
func printSummary(w io.Writer, r *Report) {
	fmt.Fprintf(w, "\nSummary\n\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tWHO\tEXPECTED\tGOT\tOK")
	for _, res := range r.Results {
		ok := "ok"
		switch {
		case res.Skipped:
			ok = "SKIPPED"
		case !res.OK:
			ok = "FAIL"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\n", res.ID, res.Key, res.Who, res.Expected, clip(res.Got, 70), ok)
	}
	tw.Flush()
	n := 0
	for _, res := range r.Results {
		if res.OK {
			n++
		}
	}
	fmt.Fprintf(w, "\n%d of %d steps behaved as the seed says (%s).\n", n, len(r.Results), r.Duration.Round(100*time.Millisecond))
	if f := r.FirstFailure(); f != nil {
		fmt.Fprintf(w, "First failure: step %s %s:\n%s\n", f.ID, f.Key, indent(f.Message, "  "))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// clip shortens s to n runes for the summary table.
func clip(s string, n int) string {
	r := []rune(firstLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-3]) + "..."
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// printer writes the step-by-step report.
type printer struct {
	w io.Writer
}

func (p *printer) linef(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p *printer) heading(title string) {
	p.linef("\n== %s ==\n", title)
}

func (p *printer) stepHeader(s step) {
	who := "Account " + s.who
	if s.who == "-" {
		who = "Set-up"
	}
	p.linef("\n[%s] %s: %s\n", s.id, who, s.seed)
}

// call prints an API call: the product, version and action, how it is
// sent, and its parameters, one a line (JSON documents as given).
func (p *printer) call(product, version, action, via string, params map[string]string) {
	p.linef("    -> %s %s %s (%s)\n", product, action, version, via)
	for _, k := range sortedKeys(params) {
		v := params[k]
		if strings.Contains(v, "\n") {
			p.linef("         %s:\n%s\n", k, indent(v, "           "))
			continue
		}
		p.linef("         %s: %s\n", k, v)
	}
}

// command prints a command line the step runs the equivalent of.
func (p *printer) command(line string) { p.linef("    -> %s\n", line) }

// sql prints a statement sent over an SQL path.
func (p *printer) sql(via, stmt string) {
	p.linef("    -> %s:\n%s\n", via, indent(stmt, "         "))
}

// note prints what came back, indented under the call.
func (p *printer) note(format string, args ...any) {
	p.linef("%s\n", indent(fmt.Sprintf(format, args...), "       "))
}

func (p *printer) outcome(ok bool, text string) {
	if ok {
		p.linef("    ok: %s\n", indent(text, "        ")[8:])
		return
	}
	p.linef("    NOT AS THE SEED SAYS:\n%s\n", indent(text, "        "))
}
