package e2e

import (
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/datadir"
)

// TestSecretsStayOut issues AccessKeys and STS credentials and signs
// requests with them (V1 and V3, accepted and refused), then looks for
// every secret, security token and signature in everything the server
// keeps or prints: its debug log, the audit trail of every account (JSON
// and text), `localyun account list`, /metrics and every file of the data
// directory. None may appear. It also checks the modes of the private
// files.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	s := StartServer(t) // the harness runs it with --log-level debug
	a, b := s.CreateAccount("secret-a"), s.CreateAccount("secret-b")
	ramA, ramB := s.RAM(a.Creds()), s.RAM(b.Creds())
	alice := createUserWithKey(t, ramA, "alice", "AliyunSTSAssumeRoleAccess")
	createRole(t, ramB, "vault", trustRAM("acs:ram::"+a.AccountID+":root"))
	attachToRole(t, ramB, "vault", "AliyunRAMFullAccess")
	attachToRole(t, ramB, "vault", "AliyunSTSAssumeRoleAccess")
	createRole(t, ramB, "inner", trustRAM("acs:ram::"+b.AccountID+":role/vault"))

	// STS credentials, used with both signatures, chained, and refused.
	sess, _ := s.AssumeRole(t, alice, roleArn(b.AccountID, "vault"), "secrets", func(r *sts.AssumeRoleRequest) {
		r.Policy = allow([]string{"ram:*", "sts:AssumeRole"})
	})
	s.Who(t, sess)
	createUserWithKey(t, s.RAM(sess), "bob")
	inner, _ := s.AssumeRole(t, sess, roleArn(b.AccountID, "inner"), "inner")
	s.Who(t, inner)
	if st, m := s.Send(t, s.v3("ListRoles", ramVersion, nil).SignV3(t, sess, time.Now())); st != 200 {
		t.Fatalf("V3 with STS credentials: %d %v", st, m)
	}
	if st, _ := s.Send(t, s.v1("ListRoles", ramVersion, nil, nil).SignV1(t, sess, time.Now())); st != 200 {
		t.Fatalf("V1 with STS credentials: %d", st)
	}
	// Refused: a wrong secret (the response echoes the string to sign,
	// SecurityToken included), a token of another session, a malformed one.
	st, m := s.Send(t, s.v1("ListRoles", ramVersion, nil, nil).SignV1(t, Creds{sess.ID, sess.Secret + "x", sess.Token}, time.Now()))
	wantRaw(t, st, m, "SignatureDoesNotMatch", 400)
	st, m = s.Send(t, s.v3("ListRoles", ramVersion, nil).SignV3(t, Creds{sess.ID, "wrong-secret-value", sess.Token}, time.Now()))
	wantRaw(t, st, m, "SignatureDoesNotMatch", 400)
	st, m = s.Send(t, s.v1("ListRoles", ramVersion, nil, nil).SignV1(t, Creds{sess.ID, sess.Secret, inner.Token}, time.Now()))
	wantRaw(t, st, m, "InvalidSecurityToken.MismatchWithAccessKey", 400)
	st, m = s.Send(t, s.v1("ListRoles", ramVersion, nil, nil).SignV1(t, Creds{sess.ID, sess.Secret, flip(sess.Token, 10)}, time.Now()))
	wantRaw(t, st, m, "InvalidSecurityToken.Malformed", 400)
	sdkError(t, errOf(s.RAM(Creds{ID: alice.ID, Secret: alice.Secret + "y"}).ListUsers(ram.CreateListUsersRequest())), "SignatureDoesNotMatch", 400)
	// A root key made with CreateAccessKey, then deleted.
	rootKey := must(ramB.CreateAccessKey(ram.CreateCreateAccessKeyRequest()))(t).AccessKey
	s.Who(t, Creds{ID: rootKey.AccessKeyId, Secret: rootKey.AccessKeySecret})
	dk := ram.CreateDeleteAccessKeyRequest()
	dk.UserAccessKeyId = rootKey.AccessKeyId
	must(ramB.DeleteAccessKey(dk))(t)

	secrets := s.secrets.all()
	kinds := map[string]int{}
	for _, what := range secrets {
		kinds[what]++
	}
	for _, what := range []string{"root AccessKeySecret", "AccessKeySecret", "SecurityToken", "Signature parameter", "V3 signature"} {
		if kinds[what] == 0 {
			t.Fatalf("the test collected no %s: %v", what, kinds)
		}
	}
	for _, v := range []string{sess.Secret, sess.Token, inner.Secret, inner.Token, alice.Secret, a.AccessKeySecret, rootKey.AccessKeySecret} {
		if secrets[v] == "" {
			t.Fatalf("the test did not collect a secret it used")
		}
	}

	// Everything the server shows or keeps.
	places := map[string]string{"server log": s.Logs()}
	places["audit tail --json"] = s.AuditJSON("")
	places["audit tail"] = s.Run("audit", "tail", "--limit", "100000")
	for _, acct := range []Account{a, b} {
		places["audit tail --json --account "+acct.AccountName] = s.AuditJSON(acct.AccountID)
	}
	places["account list"] = s.Run("account", "list")
	places["account list --json"] = s.Run("account", "list", "--json")
	resp, err := http.Get("http://" + s.Endpoint() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	places["/metrics"] = string(metrics)
	if !strings.Contains(places["audit tail --json"], `"action":"ram:ListRoles"`) || len(places["server log"]) == 0 {
		t.Fatalf("nothing to search: the audit trail or the log is empty")
	}
	for _, acct := range []Account{a, b} {
		if !strings.Contains(places["account list"], acct.AccountID) || !strings.Contains(places["account list --json"], acct.AccountName) {
			t.Errorf("account list does not show %s", acct.AccountName)
		}
	}
	if strings.Contains(places["account list --json"], "Secret") {
		t.Errorf("account list --json has a secret member: %s", places["account list --json"])
	}
	// Every file of the data directory, the database and its WAL included.
	err = filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		places["file "+filepath.Base(path)] = string(raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if places["file localyun.db"] == "" && places["file localyun.db-wal"] == "" {
		t.Fatalf("the database was not found in %s", s.DataDir)
	}
	for secret, what := range secrets {
		forms := []string{secret, url.QueryEscape(secret), strings.ReplaceAll(url.QueryEscape(secret), "+", "%20")}
		for place, text := range places {
			for _, form := range forms {
				if strings.Contains(text, form) {
					t.Errorf("a %s appears in the %s", what, place)
				}
			}
		}
	}

	// Private files and the directory.
	for name, want := range map[string]os.FileMode{
		admin.SocketFile:      0o600,
		admin.TokenFile:       0o600,
		datadir.MasterKeyFile: 0o600,
		datadir.CertKeyFile:   0o600,
		datadir.AddressesFile: 0o600,
	} {
		fi, err := os.Lstat(filepath.Join(s.DataDir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", name, got, want)
		}
	}
	if fi, err := os.Stat(s.DataDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the data directory: %v %v, want 0700", fi.Mode(), err)
	}
	if fi, err := os.Lstat(filepath.Join(s.DataDir, admin.SocketFile)); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("%s is not a socket", admin.SocketFile)
	}
}
