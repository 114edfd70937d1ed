package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeRPC answers RPC requests by Action, without checking signatures
// (internal/loadgen's tests do): AssumeRole and GetRole results, the RAM
// calls of `bench setup`, or, from the refuseAfter-th request on, the
// error code refuse.
func fakeRPC(t *testing.T, refuse string, refuseAfter int64) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) //nolint:errcheck
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if refuse != "" && n.Add(1) >= refuseAfter {
			w.WriteHeader(403)
			io.WriteString(w, `{"RequestId":"R","HostId":"h","Code":"`+refuse+`","Message":"refused","Recommend":"attach AliyunSTSAssumeRoleAccess"}`)
			return
		}
		var body string
		switch r.URL.Query().Get("Action") {
		case "AssumeRole":
			body = `{"RequestId":"R","AssumedRoleUser":{"Arn":"acs:ram::1000000000000002:role/r/bench","AssumedRoleId":"3:bench"},` +
				`"Credentials":{"AccessKeyId":"STS.abc","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2026-01-01T00:00:00Z"}}`
		case "GetRole", "CreateRole":
			body = `{"RequestId":"R","Role":{"RoleId":"3","RoleName":"bench-role","Arn":"acs:ram::1000000000000002:role/bench-role"}}`
		case "CreateAccessKey":
			body = `{"RequestId":"R","AccessKey":{"AccessKeyId":"LTAIkey` + r.URL.Query().Get("SignatureNonce")[:6] + `","AccessKeySecret":"secret","Status":"Active"}}`
		default:
			body = `{"RequestId":"R"}`
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestBenchRPCUsage(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	keys := []string{"--access-key-id", "LTAIa", "--access-key-secret", "s"}
	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"no action", "--action is required", keys},
		{"bad action", `--action "DeleteRole"`, append([]string{"--action", "DeleteRole"}, keys...)},
		{"https", "plain HTTP", append([]string{"--action", "GetRole", "--role-name", "r", "--endpoint", "https://127.0.0.1:1"}, keys...)},
		{"no role", "needs --role-arn", append([]string{"--action", "AssumeRole"}, keys...)},
		{"clients", "--clients 0", append([]string{"--action", "GetRole", "--role-name", "r", "--clients", "0"}, keys...)},
		{"unpaired keys", "give them in pairs", []string{"--action", "GetRole", "--role-name", "r", "--access-key-id", "a,b", "--access-key-secret", "s"}},
		{"no keys", "no credentials", []string{"--action", "GetRole", "--role-name", "r"}},
		{"session name", "--session-name", append([]string{"--action", "AssumeRole", "--role-arn", "acs:ram::1:role/r", "--session-name", "x"}, keys...)},
		{"setup file", "cannot read", []string{"--action", "GetRole", "--setup", "/nonexistent/setup.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"bench", "rpc"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
	code, _, stderr := run(t, "", "bench", "setup", "--account-a", "a.json")
	if code != ExitUsage || !strings.Contains(stderr, "--account-b are required") {
		t.Errorf("setup without --account-b: exit %d, %q", code, stderr)
	}
}

func TestBenchRPCRunsWithBaseline(t *testing.T) {
	ep := fakeRPC(t, "", 0)
	code, stdout, stderr := run(t, "", "bench", "rpc", "--endpoint", "http://"+ep+"/", "--action", "assumerole",
		"--role-arn", "acs:ram::1000000000000002:role/r", "--access-key-id", "LTAIa,LTAIb", "--access-key-secret", "s1,s2",
		"--clients", "1,2", "--clients", "3", "--duration", "300ms", "--warmup", "0s", "--baseline", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var report struct {
		Endpoint   string `json:"endpoint"`
		Action     string `json:"action"`
		AccessKeys int    `json:"access_keys"`
		Results    []struct {
			Target   string  `json:"target"`
			Clients  int     `json:"clients"`
			Requests int64   `json:"requests"`
			Errors   int64   `json:"errors"`
			RPS      float64 `json:"requests_per_second"`
			P50      float64 `json:"p50_ms"`
			P99      float64 `json:"p99_ms"`
			Max      float64 `json:"max_ms"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("not JSON: %v: %s", err, stdout)
	}
	if report.Endpoint != ep || report.Action != "AssumeRole" || report.AccessKeys != 2 || len(report.Results) != 6 {
		t.Fatalf("report %+v", report)
	}
	for i, r := range report.Results {
		wantTarget := targetLocalyun
		if i%2 == 1 {
			wantTarget = targetBare
		}
		if r.Target != wantTarget || r.Clients != []int{1, 1, 2, 2, 3, 3}[i] || r.Requests == 0 || r.Errors != 0 ||
			r.RPS <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max {
			t.Errorf("result %d: %+v", i, r)
		}
	}

	// The table for people.
	code, stdout, stderr = run(t, "", "bench", "rpc", "--endpoint", ep, "--action", "GetRole", "--role-arn", "acs:ram::1:role/bench-role",
		"--access-key-id", "LTAIa", "--access-key-secret", "s", "--clients", "2", "--duration", "300ms", "--warmup", "0s")
	if code != ExitOK || !strings.Contains(stdout, "| target | clients | requests | errors | req/s |") || !strings.Contains(stdout, "| localyun | 2 |") ||
		strings.Contains(stdout, targetBare) || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestBenchRPCFailures(t *testing.T) {
	// Refused from the first request: the probe reports the server's reason.
	ep := fakeRPC(t, "NoPermission", 1)
	code, _, stderr := run(t, "", "bench", "rpc", "--endpoint", ep, "--action", "AssumeRole", "--role-arn", "acs:ram::1:role/r",
		"--access-key-id", "LTAIa", "--access-key-secret", "s", "--duration", "100ms")
	if code != ExitFailed || !strings.Contains(stderr, "NoPermission (HTTP 403)") || !strings.Contains(stderr, "AliyunSTSAssumeRoleAccess") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	// Throttled during the run: counted, reported, exit 1 with the hint.
	ep = fakeRPC(t, "Throttling", 2)
	code, stdout, stderr := run(t, "", "bench", "rpc", "--endpoint", ep, "--action", "GetRole", "--role-name", "bench-role",
		"--access-key-id", "LTAIa", "--access-key-secret", "s", "--clients", "2", "--duration", "300ms", "--warmup", "0s")
	if code != ExitFailed || !strings.Contains(stdout, "HTTP 403 Throttling ×") || !strings.Contains(stderr, "--nonce-cap") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Nothing listening.
	code, _, stderr = run(t, "", "bench", "rpc", "--endpoint", "127.0.0.1:1", "--action", "GetRole", "--role-name", "r",
		"--access-key-id", "LTAIa", "--access-key-secret", "s")
	if code != ExitFailed || !strings.Contains(stderr, "cannot reach 127.0.0.1:1") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestBenchSetupThenRPC(t *testing.T) {
	ep := fakeRPC(t, "", 0)
	a := writeFile(t, "a.json", `{"AccountId":"1000000000000001","AccountName":"a","AccessKeyId":"LTAIa","AccessKeySecret":"sa"}`)
	b := writeFile(t, "b.json", `{"AccountId":"1000000000000002","AccountName":"b","AccessKeyId":"LTAIb","AccessKeySecret":"sb"}`)
	code, stdout, stderr := run(t, "", "bench", "setup", "--endpoint", ep, "--account-a", a, "--account-b", b, "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var setup struct {
		RoleArn, RoleName string
		AssumeRole        struct {
			AccountID string `json:"AccountId"`
			UserName  string
			Keys      []struct{ AccessKeyID, AccessKeySecret string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &setup); err != nil {
		t.Fatal(err)
	}
	if setup.RoleArn != "acs:ram::1000000000000002:role/bench-role" || setup.RoleName != "bench-role" ||
		setup.AssumeRole.AccountID != "1000000000000001" || setup.AssumeRole.UserName != "bench-assumer" || len(setup.AssumeRole.Keys) != 2 {
		t.Fatalf("setup %s", stdout)
	}
	file := writeFile(t, "setup.json", stdout)
	code, stdout, stderr = run(t, "", "bench", "rpc", "--endpoint", ep, "--setup", file, "--action", "AssumeRole",
		"--clients", "1", "--duration", "300ms", "--warmup", "0s", "--json")
	if code != ExitOK || !strings.Contains(stdout, `"access_keys":2`) {
		t.Errorf("exit %d, stdout %s, stderr %s", code, stdout, stderr)
	}

	bad := writeFile(t, "bad.json", `{"AccountId":"1"}`)
	code, _, stderr = run(t, "", "bench", "setup", "--endpoint", ep, "--account-a", bad, "--account-b", b)
	if code != ExitUsage || !strings.Contains(stderr, "lacks AccountId, AccessKeyId or AccessKeySecret") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
