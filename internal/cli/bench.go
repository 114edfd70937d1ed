package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/loadgen"
	"github.com/localyun/localyun/internal/server"
)

func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a running server (load tools behind docs/benchmarks.md)",
	}
	cmd.AddCommand(newBenchRPCCommand(), newBenchSetupCommand())
	return cmd
}

// benchEndpoint turns --endpoint (host:port, or an http:// URL) into
// host:port; the default is LOCALYUN_ENDPOINT, else the default HTTP
// address.
func benchEndpoint(flag string) (string, error) {
	ep := flag
	if ep == "" {
		ep = os.Getenv("LOCALYUN_ENDPOINT")
	}
	if ep == "" {
		ep = server.DefaultHTTPAddr
	}
	if strings.HasPrefix(strings.ToLower(ep), "https://") {
		return "", usageErrorf("--endpoint %q: the benchmarks use plain HTTP; give host:port of the server's HTTP listener (addresses.json, \"http\")", ep)
	}
	if len(ep) >= 7 && strings.EqualFold(ep[:7], "http://") {
		ep = ep[7:]
	}
	ep = strings.TrimSuffix(ep, "/")
	if ep == "" || strings.ContainsAny(ep, "/?#@ ") || !strings.Contains(ep, ":") {
		return "", usageErrorf("--endpoint %q: give host:port, e.g. 127.0.0.1:18080", flag)
	}
	return ep, nil
}

func newBenchRPCCommand() *cobra.Command {
	var (
		endpoint, setupFile, action, roleArn, roleName, sessionName, region string
		keyIDs, keySecrets                                                  []string
		clients                                                             []int
		duration, warmup                                                    time.Duration
		baseline, asJSON                                                    bool
	)
	cmd := &cobra.Command{
		Use:   "rpc --action AssumeRole|GetRole [--clients 1,8,64] [--baseline]",
		Short: "Load a running server with V1-signed RPC requests and report throughput and latency",
		Long: `Load a running server with real RPC requests, exactly as the monolithic Go
SDK sends them: POST to /, parameters in the query, a V1 (HMAC-SHA1)
signature with a fresh SignatureNonce each, plain HTTP with keep-alive. For
each --clients count, that many workers send requests back to back for
--warmup (not measured) and then --duration; the report gives the requests,
the errors by code, the successful requests per second, and p50, p90, p99
and maximum latency. Every answer must be 200 and parse as the action's
result; anything else is counted as an error, and the command exits 1.

--baseline also runs the same load, in the same run, against a bare
net/http handler on loopback that returns the bytes of a real answer of the
server, so the report shows what localyun adds to net/http.

The replay guard: the server keeps every nonce for the 15-minute signature
window and lets one AccessKey hold at most --nonce-cap of them (default
200000, i.e. 222 requests/s sustained); beyond that it answers Throttling.
A benchmark sends far more, so start the server with a larger cap
(localyun serve --nonce-cap 10000000) or spread the load over several
AccessKeys (a RAM user holds up to 2; --access-key-id and
--access-key-secret take comma-separated lists, used in turn).

Credentials: --access-key-id/--access-key-secret, else the keys of the
action's user in --setup FILE (what ` + "`localyun bench setup --json`" + ` prints),
else ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET.

Progress is shown on a terminal and nothing when stderr is piped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ep, err := benchEndpoint(endpoint)
			if err != nil {
				return err
			}
			var setup *loadgen.Setup
			if setupFile != "" {
				setup = &loadgen.Setup{}
				if err := readJSONFile(setupFile, setup); err != nil {
					return err
				}
			}
			var version string
			var params map[string]string
			var principal loadgen.Principal
			var check loadgen.ResponseCheck
			switch strings.ToLower(action) {
			case "assumerole":
				action, version, check = "AssumeRole", loadgen.STSVersion, loadgen.AssumeRoleOK
				if roleArn == "" && setup != nil {
					roleArn = setup.RoleArn
				}
				if roleArn == "" {
					return usageErrorf("AssumeRole needs --role-arn (acs:ram::<uid>:role/<name>) or --setup")
				}
				if !regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`).MatchString(sessionName) {
					return usageErrorf("--session-name %q: 2 to 64 letters, digits and . @ - _", sessionName)
				}
				params = map[string]string{"RoleArn": roleArn, "RoleSessionName": sessionName}
				if setup != nil {
					principal = setup.AssumeRole
				}
			case "getrole":
				action, version, check = "GetRole", loadgen.RAMVersion, loadgen.GetRoleOK
				if roleName == "" && roleArn != "" {
					if _, name, ok := strings.Cut(roleArn, ":role/"); ok {
						roleName = name
					}
				}
				if roleName == "" && setup != nil {
					roleName = setup.RoleName
				}
				if roleName == "" {
					return usageErrorf("GetRole needs --role-name (or --role-arn, or --setup)")
				}
				params = map[string]string{"RoleName": roleName}
				if setup != nil {
					principal = setup.GetRole
				}
			case "":
				return usageErrorf("--action is required: AssumeRole or GetRole")
			default:
				return usageErrorf("--action %q: use AssumeRole or GetRole", action)
			}
			keys, err := benchKeys(keyIDs, keySecrets, principal.Keys)
			if err != nil {
				return err
			}
			if len(clients) == 0 {
				return usageErrorf("--clients: give at least one count")
			}
			maxClients := 0
			for _, n := range clients {
				if n < 1 || n > 4096 {
					return usageErrorf("--clients %d: use 1 to 4096", n)
				}
				maxClients = max(maxClients, n)
			}
			if duration <= 0 || warmup < 0 {
				return usageErrorf("--duration must be positive and --warmup not negative")
			}
			var progress io.Writer
			if isTerminal(cmd.ErrOrStderr()) {
				progress = cmd.ErrOrStderr()
			}
			return runBenchRPC(cmd.Context(), cmd.OutOrStdout(), benchRPCPlan{
				endpoint: ep, action: action, version: version, region: region, params: params, keys: keys,
				check: check, clients: clients, maxClients: maxClients, duration: duration, warmup: warmup,
				baseline: baseline, asJSON: asJSON, progress: progress,
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&endpoint, "endpoint", "", "host:port of the server's HTTP listener (default LOCALYUN_ENDPOINT, else "+server.DefaultHTTPAddr+")")
	fl.StringSliceVar(&keyIDs, "access-key-id", nil, "AccessKeyId, or a comma-separated list used in turn (default ALIBABA_CLOUD_ACCESS_KEY_ID)")
	fl.StringSliceVar(&keySecrets, "access-key-secret", nil, "AccessKeySecret, or a list matching --access-key-id (default ALIBABA_CLOUD_ACCESS_KEY_SECRET)")
	fl.StringVar(&setupFile, "setup", "", "`FILE` printed by 'localyun bench setup --json': the role and the keys")
	fl.StringVar(&action, "action", "", "action to call: AssumeRole or GetRole")
	fl.StringVar(&roleArn, "role-arn", "", "AssumeRole: the role's ARN")
	fl.StringVar(&roleName, "role-name", "", "GetRole: the role's name")
	fl.StringVar(&sessionName, "session-name", "bench", "AssumeRole: RoleSessionName")
	fl.StringVar(&region, "region", "cn-hangzhou", "RegionId sent with each request")
	fl.IntSliceVar(&clients, "clients", []int{1, 8, 64}, "concurrent clients; repeat or list (1,8,64) for one run each")
	fl.DurationVar(&duration, "duration", 10*time.Second, "measured time of each run")
	fl.DurationVar(&warmup, "warmup", 2*time.Second, "unmeasured load before each run")
	fl.BoolVar(&baseline, "baseline", false, "also run against a bare net/http handler returning the same bytes")
	fl.BoolVar(&asJSON, "json", false, "print one JSON document")
	return cmd
}

// benchKeys pairs the key flags, or takes the setup file's keys, or the
// environment's.
func benchKeys(ids, secrets []string, fromSetup []loadgen.Key) ([]signature.Credentials, error) {
	var keys []signature.Credentials
	switch {
	case len(ids) > 0 || len(secrets) > 0:
		if len(ids) != len(secrets) {
			return nil, usageErrorf("%d --access-key-id values but %d --access-key-secret values: give them in pairs", len(ids), len(secrets))
		}
		for i := range ids {
			keys = append(keys, signature.Credentials{AccessKeyID: strings.TrimSpace(ids[i]), AccessKeySecret: strings.TrimSpace(secrets[i])})
		}
	case len(fromSetup) > 0:
		for _, k := range fromSetup {
			keys = append(keys, k.Credentials())
		}
	default:
		id, secret := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
		if id == "" || secret == "" {
			return nil, usageErrorf("no credentials: pass --access-key-id and --access-key-secret, --setup FILE, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET")
		}
		keys = append(keys, signature.Credentials{AccessKeyID: id, AccessKeySecret: secret,
			SecurityToken: os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN")})
	}
	for _, k := range keys {
		if k.AccessKeyID == "" || k.AccessKeySecret == "" {
			return nil, usageErrorf("an AccessKeyId or AccessKeySecret is empty")
		}
	}
	return keys, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type benchRPCPlan struct {
	endpoint, action, version, region string
	params                            map[string]string
	keys                              []signature.Credentials
	check                             loadgen.ResponseCheck
	clients                           []int
	maxClients                        int
	duration, warmup                  time.Duration
	baseline, asJSON                  bool
	progress                          io.Writer
}

// benchRow is one run in the report.
type benchRow struct {
	Target            string           `json:"target"`
	Clients           int              `json:"clients"`
	Requests          int64            `json:"requests"`
	Errors            int64            `json:"errors"`
	ErrorCodes        map[string]int64 `json:"error_codes,omitempty"`
	FirstError        string           `json:"first_error,omitempty"`
	RequestsPerSecond float64          `json:"requests_per_second"`
	MeanMs            float64          `json:"mean_ms"`
	P50Ms             float64          `json:"p50_ms"`
	P90Ms             float64          `json:"p90_ms"`
	P99Ms             float64          `json:"p99_ms"`
	MaxMs             float64          `json:"max_ms"`
	res               *loadgen.Result
}

// benchReport is the whole `bench rpc` output.
type benchReport struct {
	Endpoint    string     `json:"endpoint"`
	Action      string     `json:"action"`
	Duration    string     `json:"duration"`
	Warmup      string     `json:"warmup"`
	AccessKeys  int        `json:"access_keys"`
	CPUs        int        `json:"cpus"`
	GoVersion   string     `json:"go_version"`
	ResponseLen int        `json:"response_bytes"`
	Results     []benchRow `json:"results"`
}

// Targets named in the report.
const (
	targetLocalyun = "localyun"
	targetBare     = "bare net/http"
)

func runBenchRPC(ctx context.Context, out io.Writer, p benchRPCPlan) error {
	client := loadgen.NewClient(p.maxClients)
	defer client.CloseIdleConnections()
	// One real request first: it fails fast with the server's reason
	// (NoPermission, a wrong key) and gives the baseline its bytes.
	probeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	body, err := loadgen.Call(probeCtx, client, p.endpoint, p.keys[0], p.version, p.action, p.params)
	cancel()
	if err != nil {
		var ae *loadgen.APIError
		if errors.As(err, &ae) {
			msg := fmt.Sprintf("localyun bench rpc: the first %s was refused: %v", p.action, ae)
			if ae.Code == "Throttling" {
				msg += "\n" + throttlingHint
			}
			return &exitError{code: ExitFailed, msg: msg}
		}
		return &exitError{code: ExitFailed, msg: fmt.Sprintf("localyun bench rpc: cannot reach %s: %v (is `localyun serve` running? --endpoint is the HTTP listener's host:port)", p.endpoint, err)}
	}
	if p.check != nil && !p.check(body) {
		return &exitError{code: ExitFailed, msg: fmt.Sprintf("localyun bench rpc: the answer to %s is not a %s result: %.200s", p.action, p.action, body)}
	}

	var bare *loadgen.BareServer
	if p.baseline {
		bare, err = loadgen.StartBareServer("application/json;charset=utf-8", body)
		if err != nil {
			return &exitError{code: ExitFailed, msg: "localyun bench rpc: baseline server: " + err.Error()}
		}
		defer bare.Close() //nolint:errcheck // best effort at exit
	}

	report := benchReport{Endpoint: p.endpoint, Action: p.action, Duration: p.duration.String(), Warmup: p.warmup.String(),
		AccessKeys: len(p.keys), CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), ResponseLen: len(body)}
	run := func(name, endpoint string, clients int) error {
		rpc := &loadgen.RPC{Endpoint: endpoint, Version: p.version, Action: p.action, Params: p.params, RegionID: p.region, Keys: p.keys}
		res, err := loadgen.Run(ctx, loadgen.Target{Client: client, NewRequest: rpc.NewRequest, Check: loadgen.CheckRPC(p.check)},
			loadgen.Options{Clients: clients, Duration: p.duration, Warmup: p.warmup, Progress: p.progress,
				Label: fmt.Sprintf("%s %s, %d clients", name, p.action, clients)})
		if err != nil {
			return &exitError{code: ExitFailed, msg: "localyun bench rpc: " + err.Error()}
		}
		report.Results = append(report.Results, newBenchRow(name, res))
		return nil
	}
	for _, n := range p.clients {
		if err := run(targetLocalyun, p.endpoint, n); err != nil {
			return err
		}
		if bare != nil {
			if err := run(targetBare, bare.Addr, n); err != nil {
				return err
			}
		}
	}

	if p.asJSON {
		if err := writeJSON(out, report); err != nil {
			return err
		}
	} else {
		writeBenchTable(out, report)
	}
	var failed, total int64
	throttled := false
	for _, r := range report.Results {
		failed += r.Errors
		total += r.Requests
		for code := range r.ErrorCodes {
			throttled = throttled || strings.HasSuffix(code, " Throttling")
		}
	}
	if failed > 0 {
		msg := fmt.Sprintf("localyun bench rpc: %d of %d requests failed (error codes in the report)", failed, total)
		if throttled {
			msg += "\n" + throttlingHint
		}
		return &exitError{code: ExitFailed, msg: msg}
	}
	return nil
}

const throttlingHint = `Throttling comes from the server's replay guard: one AccessKey may hold at most --nonce-cap
nonces (default 200000) within the 15-minute signature window. Start the server with a larger
cap (localyun serve --nonce-cap 10000000), or pass more AccessKeys (comma-separated lists).`

func newBenchRow(target string, r *loadgen.Result) benchRow {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	row := benchRow{Target: target, Clients: r.Clients, Requests: r.Requests, Errors: r.Errors, FirstError: r.FirstError,
		RequestsPerSecond: math.Round(r.Throughput()*10) / 10,
		MeanMs:            ms(r.Latency.Mean()), P50Ms: ms(r.Latency.Quantile(0.50)), P90Ms: ms(r.Latency.Quantile(0.90)),
		P99Ms: ms(r.Latency.Quantile(0.99)), MaxMs: ms(r.Latency.Max()), res: r}
	if len(r.ErrorCodes) > 0 {
		row.ErrorCodes = r.ErrorCodes
	}
	return row
}

// writeBenchTable prints the report as a markdown table, which reads well
// on a terminal and pastes into docs/benchmarks.md.
func writeBenchTable(w io.Writer, r benchReport) {
	fmt.Fprintf(w, "%s against %s: %s measured after %s warm-up per run, %d AccessKey(s), %d CPUs, %s, answer %d bytes\n\n",
		r.Action, r.Endpoint, r.Duration, r.Warmup, r.AccessKeys, r.CPUs, r.GoVersion, r.ResponseLen)
	fmt.Fprintln(w, "| target | clients | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, row := range r.Results {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f |\n", row.Target, row.Clients, row.Requests, row.Errors,
			row.RequestsPerSecond, row.P50Ms, row.P90Ms, row.P99Ms, row.MaxMs)
	}
	for _, row := range r.Results {
		if row.Errors == 0 {
			continue
		}
		fmt.Fprintf(w, "\nerrors of %s at %d clients:", row.Target, row.Clients)
		for _, code := range row.res.SortedErrorCodes() {
			fmt.Fprintf(w, " %s ×%d;", code, row.ErrorCodes[code])
		}
		if row.FirstError != "" {
			fmt.Fprintf(w, " first transport error: %s", row.FirstError)
		}
		fmt.Fprintln(w)
	}
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return usageErrorf("cannot read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return usageErrorf("%s is not the expected JSON: %v", path, err)
	}
	return nil
}

var benchPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

func newBenchSetupCommand() *cobra.Command {
	var endpoint, fileA, fileB, prefix string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "setup --account-a FILE --account-b FILE",
		Short: "Create the role, users and AccessKeys the RPC benchmarks use",
		Long: `Create, with V1-signed RAM calls, what ` + "`localyun bench rpc`" + ` needs, as in the
seed's step 1:

  account B: role <prefix>-role trusting acs:ram::<A>:root;
             user <prefix>-reader with AliyunRAMReadOnlyAccess and 2 AccessKeys (GetRole)
  account A: user <prefix>-assumer with AliyunSTSAssumeRoleAccess and 2 AccessKeys (AssumeRole)

--account-a and --account-b are files holding what
` + "`localyun account create --json`" + ` printed for each account (their root keys).
--json prints the result for ` + "`localyun bench rpc --setup`" + `; it holds secrets, so keep
it in a private file. Run it once per server, or with another --prefix.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ep, err := benchEndpoint(endpoint)
			if err != nil {
				return err
			}
			if !benchPrefixPattern.MatchString(prefix) {
				return usageErrorf("--prefix %q: 1 to 40 letters, digits and -", prefix)
			}
			if fileA == "" || fileB == "" {
				return usageErrorf("--account-a and --account-b are required: files with `localyun account create --json` output")
			}
			var a, b loadgen.Account
			for _, f := range []struct {
				path string
				acc  *loadgen.Account
			}{{fileA, &a}, {fileB, &b}} {
				if err := readJSONFile(f.path, f.acc); err != nil {
					return err
				}
				if f.acc.AccountID == "" || f.acc.AccessKeyID == "" || f.acc.AccessKeySecret == "" {
					return usageErrorf("%s lacks AccountId, AccessKeyId or AccessKeySecret: use the output of `localyun account create --json`", f.path)
				}
			}
			client := loadgen.NewClient(1)
			defer client.CloseIdleConnections()
			res, err := loadgen.SetupRPC(cmd.Context(), client, ep, prefix, a, b)
			if err != nil {
				var ae *loadgen.APIError
				if errors.As(err, &ae) {
					return &exitError{code: ExitFailed, msg: "localyun bench setup: " + err.Error()}
				}
				return &exitError{code: ExitFailed, msg: fmt.Sprintf("localyun bench setup: cannot reach %s: %v", ep, err)}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Role %s created in account %s, trusting account %s.\n", res.RoleArn, b.AccountID, a.AccountID)
			for _, p := range []struct {
				what string
				p    loadgen.Principal
			}{{"AssumeRole", res.AssumeRole}, {"GetRole", res.GetRole}} {
				fmt.Fprintf(w, "%s: user %s of account %s, AccessKeys shown only now:\n", p.what, p.p.UserName, p.p.AccountID)
				for _, k := range p.p.Keys {
					fmt.Fprintf(w, "  %s %s\n", k.AccessKeyID, k.AccessKeySecret)
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&endpoint, "endpoint", "", "host:port of the server's HTTP listener (default LOCALYUN_ENDPOINT, else "+server.DefaultHTTPAddr+")")
	fl.StringVar(&fileA, "account-a", "", "`FILE` with account A's 'localyun account create --json' output (the caller of AssumeRole)")
	fl.StringVar(&fileB, "account-b", "", "`FILE` with account B's 'localyun account create --json' output (owns the role)")
	fl.StringVar(&prefix, "prefix", "bench", "prefix of the role and user names")
	fl.BoolVar(&asJSON, "json", false, "print JSON (with the secrets) for 'localyun bench rpc --setup'")
	return cmd
}
