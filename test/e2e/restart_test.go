package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

// readyAfter polls /readyz from the moment the process started and
// returns how long it took to answer 200.
func (s *Server) readyAfter(t testing.TB) time.Duration {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	for time.Since(s.Started) < 10*time.Second {
		resp, err := client.Get("http://" + s.Endpoint() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(s.Started)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("/readyz did not answer 200 within 10 s")
	return 0
}

// TestRestart stops the server and starts it again on the same data
// directory: accounts, users, keys, roles, policies and STS sessions
// survive; /readyz answers 200 in under a second; and requests signed
// before the restart, replayed after it within the 15-minute window, are
// refused as replays.
func TestRestart(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	if d := s.readyAfter(t); d > time.Second {
		t.Errorf("/readyz on a new data directory after %v", d)
	}
	a, b := s.CreateAccount("restart-a"), s.CreateAccount("restart-b")
	ramB := s.RAM(b.Creds())
	alice := createUserWithKey(t, s.RAM(a.Creds()), "alice", "AliyunSTSAssumeRoleAccess")
	createRole(t, ramB, "kept", trustRAM("acs:ram::"+a.AccountID+":root"))
	createPolicy(t, ramB, "kept-policy", allow([]string{"ram:ListRoles", "ram:GetRole"}))
	attachToRole(t, ramB, "kept", "kept-policy")
	sess, _ := s.AssumeRole(t, alice, roleArn(b.AccountID, "kept"), "before")
	// Requests sent before the restart, to replay after it.
	v1 := s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "once-v1", "AssumeRolePolicyDocument": trustRAM("acs:ram::" + a.AccountID + ":root")}, nil).SignV1(t, b.Creds(), time.Now())
	v3 := s.v3("CreateRole", ramVersion, map[string]string{"RoleName": "once-v3", "AssumeRolePolicyDocument": trustRAM("acs:ram::" + a.AccountID + ":root")}).SignV3(t, b.Creds(), time.Now())
	sessReq := s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, sess, time.Now())
	for _, r := range []*Raw{v1, v3, sessReq} {
		if st, m := s.Send(t, r); st != 200 {
			t.Fatalf("before the restart: %d %v", st, m)
		}
	}
	auditBefore := strings.Count(s.AuditJSON(""), "\n")
	rolesBefore := roleNames(t, ramB)

	s.Stop()
	s2 := StartServerIn(t, s.DataDir)
	if d := s2.readyAfter(t); d > time.Second {
		t.Errorf("/readyz on an existing data directory answered 200 after %v, want under 1 s", d)
	} else {
		t.Logf("/readyz answered 200 %v after the restart", d.Round(time.Millisecond))
	}
	s2.secrets = s.secrets

	// The data survived.
	ramB = s2.RAM(b.Creds())
	if after := roleNames(t, ramB); strings.Join(after, ",") != strings.Join(rolesBefore, ",") {
		t.Fatalf("roles before %v, after %v", rolesBefore, after)
	}
	lp := ram.CreateListPoliciesForRoleRequest()
	lp.RoleName = "kept"
	if pols := must(ramB.ListPoliciesForRole(lp))(t).Policies.Policy; len(pols) != 1 || pols[0].PolicyName != "kept-policy" {
		t.Fatalf("policies of kept: %+v", pols)
	}
	if who := s2.Who(t, alice); who.Arn != "acs:ram::"+a.AccountID+":user/alice" {
		t.Fatalf("alice's key after the restart: %+v", who)
	}
	// The STS session issued before the restart still works, with its
	// role's permissions.
	if names := roleNames(t, s2.RAM(sess)); len(names) != len(rolesBefore) {
		t.Fatalf("the session lists %v", names)
	}
	if n := strings.Count(s2.AuditJSON(""), "\n"); n < auditBefore {
		t.Fatalf("the audit trail had %d records, now %d", auditBefore, n)
	}

	// Replays are refused, V1 and V3 (the V3 request keeps the Host it
	// signed), and with STS credentials.
	for name, r := range map[string]*Raw{"V1": v1, "V3": v3, "STS": sessReq} {
		st, m := s2.Send(t, r)
		if m["Code"] != "SignatureNonceUsed" || st != 400 {
			t.Errorf("%s replayed after the restart: %d %v", name, st, m)
		}
	}
	// Fresh requests work.
	if st, m := s2.Send(t, s2.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, b.Creds(), time.Now())); st != 200 {
		t.Fatalf("a fresh request: %d %v", st, m)
	}
	if after := roleNames(t, ramB); strings.Join(after, ",") != strings.Join(rolesBefore, ",") {
		t.Fatalf("the replays changed the roles: %v", after)
	}
}
