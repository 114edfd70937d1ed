package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	accountA = "1000000000000001"
	accountB = "1000000000000002"
	accountC = "1000000000000003"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const seedTrust = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + accountA + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`

func TestValidate(t *testing.T) {
	good := writeFile(t, "trust.json", seedTrust)
	bad := writeFile(t, "bad.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"allow","Action":"a:b","Resource":"*"}]}`)
	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     string
		stderrHas  string
		stdoutJSON map[string]any
	}{
		{name: "valid trust", args: []string{"policy", "validate", "--kind", "trust", good}, code: 0, stdout: "valid\n"},
		{name: "trust as identity", args: []string{"policy", "validate", good}, code: 2, stderrHas: "Statement[0].Principal: not allowed in an identity policy"},
		{name: "bad effect", args: []string{"policy", "validate", bad}, code: 2, stderrHas: `Statement[1].Effect: must be "Allow" or "Deny", got "allow" (MalformedPolicyDocument)`},
		{name: "session code", args: []string{"policy", "validate", "--kind", "session", bad}, code: 2, stderrHas: "(InvalidParameter.PolicyGrammar)"},
		{name: "stdin", args: []string{"policy", "validate", "--kind", "trust", "-"}, stdin: seedTrust, code: 0, stdout: "valid\n"},
		{name: "too long", args: []string{"policy", "validate", "--kind", "session", "-"}, stdin: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"` + strings.Repeat("x", 2100) + `"}]}`,
			code: 2, stderrHas: "(InvalidParameter.PolicySize)"},
		{name: "json", args: []string{"policy", "validate", "--json", bad}, code: 2,
			stdoutJSON: map[string]any{"valid": false, "kind": "identity", "code": "MalformedPolicyDocument", "statement": 1.0, "path": "Statement[1].Effect",
				"message": `Statement[1].Effect: must be "Allow" or "Deny", got "allow"`}},
		{name: "unknown kind", args: []string{"policy", "validate", "--kind", "bucket", good}, code: 2, stderrHas: "unknown policy kind"},
		{name: "missing file", args: []string{"policy", "validate", filepath.Join(t.TempDir(), "nope.json")}, code: 2, stderrHas: "cannot read policy"},
		{name: "no file", args: []string{"policy", "validate"}, code: 2, stderrHas: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tt.code, stdout, stderr)
			}
			if tt.stdout != "" && stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", stdout, tt.stdout)
			}
			if tt.stderrHas != "" && !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderrHas)
			}
			if tt.stdoutJSON != nil {
				var got map[string]any
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatalf("stdout is not one JSON object: %v: %q", err, stdout)
				}
				for k, want := range tt.stdoutJSON {
					if got[k] != want {
						t.Errorf("%s = %#v, want %#v", k, got[k], want)
					}
				}
			}
		})
	}
}

func TestSimulate(t *testing.T) {
	trust := writeFile(t, "trust.json", seedTrust)
	trustRoot := writeFile(t, "trust-root.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::`+accountA+`:root"}}]}`)
	assume := writeFile(t, "assume.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	p := writeFile(t, "p.json", `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":"ecs:*","Resource":"*"},
		{"Sid":"no-delete","Effect":"Deny","Action":"ecs:Delete*","Resource":"*"},
		{"Effect":"Allow","Action":"oss:GetObject","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"x:tags":["a","b"]}}},
		{"Effect":"Allow","Action":"rds:Describe*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`)
	session := writeFile(t, "session.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`)
	role := "acs:ram::" + accountB + ":role/testRole"
	tests := []struct {
		name   string
		args   []string
		code   int
		json   string // exact --json output
		stdout string // substring of the text output
		stderr string
	}{
		{name: "seed allow", code: 0,
			args: []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", role, "--caller-service", "engine.dataworks.aliyuncs.com", "--caller-account", accountA, "--expect", "Allow", "--json"},
			json: `{"decision":"Allow","deciding":[{"side":"trust","policy":"` + trust + `","statement":0}]}`},
		{name: "seed other account", code: 3,
			args:   []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", role, "--caller-service", "engine.dataworks.aliyuncs.com", "--caller-account", accountC, "--expect", "Allow"},
			stdout: "the trust policy does not allow " + accountC + "@engine.dataworks.aliyuncs.com", stderr: "expected Allow, got ImplicitDeny"},
		{name: "user needs identity policy", code: 0,
			args:   []string{"--trust-policy", trustRoot, "--action", "sts:AssumeRole", "--resource", role, "--caller", "acs:ram::" + accountA + ":user/alice", "--expect", "ImplicitDeny"},
			stdout: "no identity policy of the caller allows sts:AssumeRole"},
		{name: "user with both sides", code: 0,
			args: []string{"--trust-policy", trustRoot, "--policy", assume, "--action", "sts:AssumeRole", "--resource", role, "--caller", "acs:ram::" + accountA + ":user/alice", "--json"},
			json: `{"decision":"Allow","deciding":[{"side":"identity","policy":"` + assume + `","statement":0},{"side":"trust","policy":"` + trustRoot + `","statement":0}]}`},
		{name: "role session chaining", code: 0,
			args: []string{"--trust-policy", trustRoot, "--policy", assume, "--action", "sts:AssumeRole", "--resource", role, "--caller", "acs:ram::" + accountA + ":assumed-role/other/s1", "--expect", "Allow"}},
		{name: "root never assumes", code: 0,
			args:   []string{"--trust-policy", trustRoot, "--policy", assume, "--action", "sts:AssumeRole", "--resource", role, "--caller", "acs:ram::" + accountA + ":root", "--expect", "ImplicitDeny"},
			stdout: "the account root may never assume a role"},
		{name: "explicit deny", code: 0,
			args: []string{"--policy", p, "--action", "ecs:DeleteInstance", "--resource", "acs:ecs:*:1:instance/i-1", "--json"},
			json: `{"decision":"ExplicitDeny","deciding":[{"side":"identity","policy":"` + p + `","statement":1,"sid":"no-delete"}]}`},
		{name: "implicit deny empty deciding", code: 0,
			args: []string{"--policy", p, "--action", "rds:DescribeDBInstances", "--resource", "*", "--json"},
			json: `{"decision":"ImplicitDeny","deciding":[],"explanation":"no statement allows rds:DescribeDBInstances on *"}`},
		{name: "current time settable", code: 0,
			args: []string{"--policy", p, "--action", "rds:DescribeDBInstances", "--resource", "*", "--context", "acs:CurrentTime=2019-06-01T00:00:00Z", "--expect", "Allow"}},
		{name: "condition from context", code: 0,
			args: []string{"--policy", p, "--action", "oss:GetObject", "--resource", "acs:oss:*:1:b/o", "--context", "acs:SourceIp=10.1.2.3", "--expect", "Allow"}},
		{name: "condition fails", code: 3,
			args: []string{"--policy", p, "--action", "oss:GetObject", "--resource", "acs:oss:*:1:b/o", "--context", "acs:SourceIp=11.1.2.3", "--expect", "Allow"}},
		{name: "multi-valued key", code: 3,
			args: []string{"--policy", p, "--action", "kms:Decrypt", "--resource", "*", "--context", "x:tags=a", "--context", "x:tags=c", "--expect", "Allow"}},
		{name: "multi-valued key subset", code: 0,
			args: []string{"--policy", p, "--action", "kms:Decrypt", "--resource", "*", "--context", "x:tags=a", "--context", "x:tags=b", "--expect", "Allow"}},
		{name: "session narrows", code: 0,
			args:   []string{"--policy", p, "--session-policy", session, "--action", "ecs:StartInstance", "--resource", "*", "--expect", "ImplicitDeny"},
			stdout: "but the session policy does not"},
		{name: "session allows", code: 0,
			args: []string{"--policy", p, "--session-policy", session, "--action", "ecs:DescribeInstances", "--resource", "*", "--json"},
			json: `{"decision":"Allow","deciding":[{"side":"identity","policy":"` + p + `","statement":0},{"side":"session","policy":"` + session + `","statement":0}]}`},
		{name: "trust needs sts:AssumeRole", code: 2,
			args: []string{"--trust-policy", trust, "--action", "ram:GetRole", "--resource", role, "--caller-service", "x.aliyuncs.com", "--caller-account", accountA}, stderr: "--action must be sts:AssumeRole"},
		{name: "trust needs role arn", code: 2,
			args: []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", "acs:ecs:*:1:instance/x", "--caller-service", "x.aliyuncs.com", "--caller-account", accountA}, stderr: "must be a role ARN"},
		{name: "trust needs caller", code: 2,
			args: []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", role}, stderr: "needs a caller"},
		{name: "bad caller", code: 2,
			args: []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", role, "--caller", "alice"}, stderr: "--caller must be"},
		{name: "service without account", code: 2,
			args: []string{"--trust-policy", trust, "--action", "sts:AssumeRole", "--resource", role, "--caller-service", "x.aliyuncs.com"}, stderr: "go together"},
		{name: "bad expect", code: 2, args: []string{"--policy", p, "--action", "a:b", "--resource", "*", "--expect", "allow"}, stderr: "--expect"},
		{name: "bad context", code: 2, args: []string{"--policy", p, "--action", "a:b", "--resource", "*", "--context", "novalue"}, stderr: "KEY=VALUE"},
		{name: "invalid policy file", code: 2, args: []string{"--policy", trust, "--action", "a:b", "--resource", "*"}, stderr: "invalid identity policy"},
		{name: "missing action", code: 2, args: []string{"--resource", "*"}, stderr: "required flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"policy", "simulate"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tt.code, stdout, stderr)
			}
			if tt.json != "" && strings.TrimSpace(stdout) != tt.json {
				t.Errorf("stdout\n%s\nwant\n%s", stdout, tt.json)
			}
			if tt.stdout != "" && !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.stdout)
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
		})
	}
}
