package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	credentialsgo "github.com/aliyun/credentials-go/credentials"
)

// The RamRoleArn credential providers run in a subprocess: this test
// binary, re-executed with helperEnv set, so that SSL_CERT_FILE is set
// before the process starts, as users must do. TestMain hands over to
// runProviderHelper before anything else.
const helperEnv = "LOCALYUN_E2E_PROVIDER_HELPER"

// helperConfig is what the helper process gets, as JSON in helperEnv.
type helperConfig struct {
	Client          string // "sdk" (monolithic SDK + its provider) or "dara" (darabonba + credentials-go)
	AccessKeyID     string
	AccessKeySecret string
	RoleArn         string
	STSEndpoint     string // HTTPS host:port
	Endpoint        string // HTTP host:port for the calls
	Calls           int
}

// helperResult is one line of the helper's output: the identity one call
// ran as, or its error.
type helperResult struct {
	Arn   string `json:",omitempty"`
	Error string `json:",omitempty"`
}

// runProviderHelper makes cfg.Calls GetCallerIdentity calls with
// credentials a RamRoleArn provider gets from STS over HTTPS, and prints
// one helperResult per call.
func runProviderHelper() int {
	var cfg helperConfig
	if err := json.Unmarshal([]byte(os.Getenv(helperEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := json.NewEncoder(os.Stdout)
	var call func() (string, error)
	switch cfg.Client {
	case "sdk":
		provider, err := credentials.NewRAMRoleARNCredentialsProviderBuilder().
			WithAccessKeyId(cfg.AccessKeyID).WithAccessKeySecret(cfg.AccessKeySecret).
			WithRoleArn(cfg.RoleArn).WithRoleSessionName("refresh").WithDurationSeconds(900).
			WithStsEndpoint(cfg.STSEndpoint).Build()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		client, err := sts.NewClientWithOptions("cn-hangzhou", sdk.NewConfig(), provider)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		client.Domain = cfg.Endpoint
		call = func() (string, error) {
			resp, err := client.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
			if err != nil {
				return "", err
			}
			return resp.Arn, nil
		}
	case "dara":
		cred, err := credentialsgo.NewCredential(&credentialsgo.Config{
			Type:        dara.String("ram_role_arn"),
			AccessKeyId: dara.String(cfg.AccessKeyID), AccessKeySecret: dara.String(cfg.AccessKeySecret),
			RoleArn: dara.String(cfg.RoleArn), RoleSessionName: dara.String("refresh-dara"),
			RoleSessionExpiration: dara.Int(900), STSEndpoint: dara.String(cfg.STSEndpoint),
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		client, err := openapi.NewClient(&openapiutil.Config{Credential: cred, Endpoint: dara.String(cfg.Endpoint), Protocol: dara.String("HTTP"), RegionId: dara.String("cn-hangzhou")})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		call = func() (string, error) {
			body, err := daraRPC(client, "GetCallerIdentity", stsVersion, nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(body["Arn"]), nil
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown client", cfg.Client)
		return 2
	}
	for i := 0; i < cfg.Calls; i++ {
		arn, err := call()
		r := helperResult{Arn: arn}
		if err != nil {
			r.Error = err.Error()
		}
		out.Encode(r) //nolint:errcheck
	}
	return 0
}

// runHelper runs the helper process and returns its results.
func runHelper(t *testing.T, cfg helperConfig, certFile string) []helperResult {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ALIBABA_CLOUD_") && !strings.HasPrefix(e, "SSL_CERT_") {
			env = append(env, e)
		}
	}
	env = append(env, helperEnv+"="+string(raw))
	if certFile != "" {
		env = append(env, "SSL_CERT_FILE="+certFile)
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the provider helper failed: %v\n%s", err, stderr.String())
	}
	var results []helperResult
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var r helperResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("helper output %q: %v", sc.Text(), err)
		}
		results = append(results, r)
	}
	if len(results) != cfg.Calls {
		t.Fatalf("the helper made %d calls, want %d:\n%s\n%s", len(results), cfg.Calls, stdout.String(), stderr.String())
	}
	return results
}

// auditRecord is a line of `localyun audit tail --json`.
type auditRecord struct {
	Event       string `json:"event"`
	Action      string `json:"action"`
	AccessKeyID string `json:"accessKeyId"`
	Caller      string `json:"caller"`
	ErrorCode   string `json:"errorCode"`
	Decision    string `json:"decision"`
	RequestID   string `json:"requestId"`
}

func (s *Server) auditRecords(t testing.TB, account string) []auditRecord {
	t.Helper()
	var out []auditRecord
	for _, line := range strings.Split(strings.TrimSpace(s.AuditJSON(account)), "\n") {
		if line == "" {
			continue
		}
		var r auditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// providerSetup gives account A a user allowed to assume B's role
// "refresh", and returns the user's key and the role's ARN.
func providerSetup(t *testing.T, s *Server, suffix string) (Creds, string, Account) {
	t.Helper()
	a, b := s.CreateAccount("provider-a-"+suffix), s.CreateAccount("provider-b-"+suffix)
	alice := createUserWithKey(t, s.RAM(a.Creds()), "alice", "AliyunSTSAssumeRoleAccess")
	createRole(t, s.RAM(b.Creds()), "refresh", trustRAM("acs:ram::"+a.AccountID+":root"))
	return alice, roleArn(b.AccountID, "refresh"), b
}

// stsKeysUsed returns the distinct STS AccessKeyIds that called action in
// account's audit trail, and how many calls alice's key made to
// AssumeRole.
func stsKeysUsed(t *testing.T, s *Server, account, action, userKey string) (map[string]bool, int) {
	t.Helper()
	keys := map[string]bool{}
	assumes := 0
	for _, r := range s.auditRecords(t, "") {
		if r.Event != "api" {
			continue
		}
		if r.Action == action && strings.HasPrefix(r.AccessKeyID, "STS.") && strings.Contains(r.Caller, ":"+account+":") && r.ErrorCode == "" {
			keys[r.AccessKeyID] = true
		}
		if r.Action == "sts:AssumeRole" && r.AccessKeyID == userKey && r.ErrorCode == "" {
			assumes++
		}
	}
	return keys, assumes
}

// TestRAMRoleArnProviderRefresh runs the official RamRoleArn credential
// providers (the monolithic SDK's and credentials-go's, under darabonba)
// in a subprocess that trusts the server's certificate through
// SSL_CERT_FILE and gets STS credentials over HTTPS. The server's clock
// runs 13 minutes behind (--clock-offset), so the 900-second credentials
// it issues have 120 seconds left by the client's clock, inside the
// providers' 180-second refresh margin, while its timestamps stay within
// the 15-minute signature window: every call refreshes. The audit trail
// shows a new STS AccessKeyId for every call. Against a server with a
// true clock the same program keeps one set of credentials.
func TestRAMRoleArnProviderRefresh(t *testing.T) {
	t.Parallel()
	skewed := StartServer(t, "--clock-offset", "-13m")
	plain := StartServer(t)
	const calls = 3
	for _, client := range []string{"sdk", "dara"} {
		t.Run(client, func(t *testing.T) {
			alice, arn, b := providerSetup(t, skewed, client)
			cert := strings.TrimSpace(skewed.Run("cert", "--data-dir", skewed.DataDir))
			cfg := helperConfig{Client: client, AccessKeyID: alice.ID, AccessKeySecret: alice.Secret, RoleArn: arn,
				STSEndpoint: skewed.Addrs.HTTPS, Endpoint: skewed.Endpoint(), Calls: calls}
			for i, r := range runHelper(t, cfg, cert) {
				if r.Error != "" || !strings.HasPrefix(r.Arn, "acs:ram::"+b.AccountID+":assumed-role/refresh/refresh") {
					t.Fatalf("call %d: %+v", i+1, r)
				}
			}
			keys, assumes := stsKeysUsed(t, skewed, b.AccountID, "sts:GetCallerIdentity", alice.ID)
			if len(keys) != calls || assumes != calls {
				t.Fatalf("%d calls used %d STS AccessKeyIds after %d AssumeRole calls; want a refresh before every call", calls, len(keys), assumes)
			}

			// The same program against a server with a true clock.
			alice, arn, b = providerSetup(t, plain, client)
			cert = strings.TrimSpace(plain.Run("cert", "--data-dir", plain.DataDir))
			cfg = helperConfig{Client: client, AccessKeyID: alice.ID, AccessKeySecret: alice.Secret, RoleArn: arn,
				STSEndpoint: plain.Addrs.HTTPS, Endpoint: plain.Endpoint(), Calls: calls}
			for i, r := range runHelper(t, cfg, cert) {
				if r.Error != "" {
					t.Fatalf("call %d: %+v", i+1, r)
				}
			}
			if keys, assumes := stsKeysUsed(t, plain, b.AccountID, "sts:GetCallerIdentity", alice.ID); len(keys) != 1 || assumes != 1 {
				t.Fatalf("with fresh credentials: %d STS AccessKeyIds, %d AssumeRole calls; want 1 and 1", len(keys), assumes)
			}

			// Without the certificate trusted, the provider cannot reach STS:
			// it really uses HTTPS.
			cfg.Calls = 1
			if r := runHelper(t, cfg, ""); r[0].Error == "" || !strings.Contains(r[0].Error, "certificate") {
				t.Fatalf("without SSL_CERT_FILE: %+v", r[0])
			}
		})
	}
}
