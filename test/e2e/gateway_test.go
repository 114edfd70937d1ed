package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

const (
	ramVersion = "2015-05-01"
	stsVersion = "2015-04-01"
)

// TestGatewayRefusals sends requests the gateway must refuse, signed by
// hand with V1 and V3 so that exactly one thing is wrong with each. Every
// one asks to create a role: afterwards the roles are exactly as before.
func TestGatewayRefusals(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("gw-a"), s.CreateAccount("gw-b")
	root := b.Creds()
	c := s.RAM(root)
	trust := trustRAM("acs:ram::" + a.AccountID + ":root")
	createRole(t, c, "base", trust)
	alice := createUserWithKey(t, s.RAM(a.Creds()), "alice", "AliyunSTSAssumeRoleAccess")
	attachToRole(t, c, "base", "AliyunRAMFullAccess")
	sess1, _ := s.AssumeRole(t, alice, roleArn(b.AccountID, "base"), "one")
	sess2, _ := s.AssumeRole(t, alice, roleArn(b.AccountID, "base"), "two")
	before := roleNames(t, c)

	create := func(name string) *Raw {
		return s.v1("CreateRole", ramVersion, map[string]string{"RoleName": name, "AssumeRolePolicyDocument": trust}, nil)
	}
	createV3 := func(name string) *Raw {
		return s.v3("CreateRole", ramVersion, map[string]string{"RoleName": name, "AssumeRolePolicyDocument": trust})
	}
	now := time.Now
	refuse := func(t *testing.T, r *Raw, code string, status int) string {
		t.Helper()
		st, m := s.Send(t, r)
		return wantRaw(t, st, m, code, status)
	}

	// A well-formed request goes through: the baseline the cases break.
	if st, m := s.Send(t, create("ok-v1").SignV1(t, root, now())); st != 200 || m["Role"] == nil {
		t.Fatalf("a correct V1 request: %d %v", st, m)
	}
	if st, m := s.Send(t, createV3("ok-v3").SignV3(t, root, now())); st != 200 || m["Role"] == nil {
		t.Fatalf("a correct V3 request: %d %v", st, m)
	}
	if st, m := s.Send(t, s.v3("GetCallerIdentity", stsVersion, nil).SignV3(t, sess1, now())); st != 200 || m["IdentityType"] != "AssumedRoleUser" {
		t.Fatalf("a correct V3 request with STS credentials: %d %v", st, m)
	}
	before = append(before, "ok-v1", "ok-v3")

	t.Run("signature", func(t *testing.T) {
		wrong := Creds{ID: root.ID, Secret: root.Secret + "x"}
		msg := refuse(t, create("bad-sig").SignV1(t, wrong, now()), "SignatureDoesNotMatch", 400)
		if !strings.HasPrefix(msg, "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D"+root.ID) {
			t.Errorf("SignatureDoesNotMatch message: %q", msg)
		}
		if strings.Contains(msg, root.Secret) {
			t.Errorf("the message contains the secret")
		}
		// Tampered after signing: the server's string to sign shows it.
		r := create("tampered").SignV1(t, root, now())
		r.RawQuery = strings.Replace(r.RawQuery, "RoleName=tampered", "RoleName=tampere2", 1)
		if msg := refuse(t, r, "SignatureDoesNotMatch", 400); !strings.Contains(msg, "RoleName%3Dtampere2") {
			t.Errorf("the string to sign does not show the received parameters: %q", msg)
		}
		msg = refuse(t, createV3("bad-sig-v3").SignV3(t, wrong, now()), "SignatureDoesNotMatch", 400)
		if !strings.Contains(msg, "server string to sign is:ACS3-HMAC-SHA256\n") {
			t.Errorf("V3 SignatureDoesNotMatch message: %q", msg)
		}
		// The monolithic SDK reads the string to sign from the message.
		bad := s.RAM(wrong)
		se := sdkError(t, errOf(bad.GetRole(func() *ram.GetRoleRequest { r := ram.CreateGetRoleRequest(); r.RoleName = "base"; return r }())), "SignatureDoesNotMatch", 400)
		if !strings.Contains(se.Message(), "server string to sign is:") {
			t.Errorf("SDK message: %q", se.Message())
		}
		// A Signature parameter and an ACS3 header that are not what they claim.
		r = createV3("bad-auth")
		r.Header["Authorization"] = []string{"ACS3-HMAC-SHA256 Credential=" + root.ID}
		r.Header["x-acs-date"] = []string{now().UTC().Format("2006-01-02T15:04:05Z")}
		refuse(t, r, "IncompleteSignature", 400)
		r = create("md5").SignV1(t, root, now())
		r.RawQuery = strings.Replace(r.RawQuery, "SignatureMethod=HMAC-SHA1", "SignatureMethod=HMAC-MD5", 1)
		refuse(t, r, "InvalidSignatureMethod", 400)
	})

	t.Run("access keys", func(t *testing.T) {
		unknown := Creds{ID: "LTAI00000000000000000000", Secret: "whatever"}
		if msg := refuse(t, create("unknown-key").SignV1(t, unknown, now()), "InvalidAccessKeyId.NotFound", 404); msg != "Specified access key is not found." {
			t.Errorf("message %q", msg)
		}
		refuse(t, createV3("unknown-key-v3").SignV3(t, unknown, now()), "InvalidAccessKeyId.NotFound", 404)

		ramA := s.RAM(a.Creds())
		dave := createUserWithKey(t, ramA, "dave", "AliyunRAMFullAccess")
		uk := ram.CreateUpdateAccessKeyRequest()
		uk.UserName, uk.UserAccessKeyId, uk.Status = "dave", dave.ID, "Inactive"
		must(ramA.UpdateAccessKey(uk))(t)
		if msg := refuse(t, create("inactive").SignV1(t, dave, now()), "InvalidAccessKeyId.Inactive", 400); msg != "Specified access key is disabled." {
			t.Errorf("message %q", msg)
		}
		refuse(t, createV3("inactive-v3").SignV3(t, dave, now()), "InvalidAccessKeyId.Inactive", 400)
	})

	t.Run("timestamps", func(t *testing.T) {
		for _, at := range []time.Time{now().Add(-16 * time.Minute), now().Add(16 * time.Minute)} {
			if msg := refuse(t, create("stale").SignV1(t, root, at), "InvalidTimeStamp.Expired", 400); msg != "Specified time stamp or date value is expired." {
				t.Errorf("message %q", msg)
			}
			refuse(t, createV3("stale-v3").SignV3(t, root, at), "InvalidTimeStamp.Expired", 400)
		}
		// Inside the window either way is fine.
		for _, at := range []time.Time{now().Add(-14 * time.Minute), now().Add(14 * time.Minute)} {
			if st, m := s.Send(t, s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, root, at)); st != 200 {
				t.Errorf("a timestamp %s away: %d %v", time.Until(at).Round(time.Minute), st, m)
			}
		}
		r := create("bad-ts").SignV1(t, root, now())
		q, _ := url.ParseQuery(r.RawQuery)
		q.Set("Timestamp", "2024-01-01 00:00:00")
		r.RawQuery = q.Encode()
		refuse(t, r, "InvalidTimeStamp.Format", 400)
	})

	t.Run("nonces", func(t *testing.T) {
		n := nonce()
		if st, m := s.Send(t, create("replayed").SignV1(t, root, now(), n)); st != 200 {
			t.Fatalf("first use of the nonce: %d %v", st, m)
		}
		before = append(before, "replayed")
		// The same request again, and another request with that nonce.
		if msg := refuse(t, create("replayed").SignV1(t, root, now(), n), "SignatureNonceUsed", 400); msg != "Specified signature nonce was used already." {
			t.Errorf("message %q", msg)
		}
		refuse(t, create("other").SignV1(t, root, now(), n), "SignatureNonceUsed", 400)
		n3 := nonce()
		r := createV3("replayed-v3").SignV3(t, root, now(), n3)
		if st, m := s.Send(t, r); st != 200 {
			t.Fatalf("first use of the V3 nonce: %d %v", st, m)
		}
		before = append(before, "replayed-v3")
		refuse(t, r, "SignatureNonceUsed", 400)
		// A refused signature does not burn the nonce.
		n4 := nonce()
		refuse(t, create("burn").SignV1(t, Creds{ID: root.ID, Secret: "wrong"}, now(), n4), "SignatureDoesNotMatch", 400)
		if st, m := s.Send(t, s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, root, now(), n4)); st != 200 {
			t.Errorf("a nonce whose request was refused for its signature: %d %v", st, m)
		}
	})

	t.Run("security tokens", func(t *testing.T) {
		noToken := Creds{ID: sess1.ID, Secret: sess1.Secret}
		refuse(t, create("no-token").SignV1(t, noToken, now()), "MissingSecurityToken", 400)
		refuse(t, createV3("no-token-v3").SignV3(t, noToken, now()), "MissingSecurityToken", 400)
		sdkError(t, errOf(s.STS(noToken).GetCallerIdentity(sts.CreateGetCallerIdentityRequest())), "MissingSecurityToken", 400)

		for _, tok := range []string{"abc", sess1.Token[:len(sess1.Token)-4], flip(sess1.Token, len(sess1.Token)/2), sess1.Token + "A", "!!!"} {
			bad := Creds{ID: sess1.ID, Secret: sess1.Secret, Token: tok}
			if msg := refuse(t, create("malformed-token").SignV1(t, bad, now()), "InvalidSecurityToken.Malformed", 400); msg != "Specified SecurityToken is malformed." {
				t.Errorf("message %q", msg)
			}
		}
		refuse(t, createV3("malformed-token-v3").SignV3(t, Creds{ID: sess1.ID, Secret: sess1.Secret, Token: "abc"}, now()), "InvalidSecurityToken.Malformed", 400)
		// Another session's token with this session's key.
		mixed := Creds{ID: sess1.ID, Secret: sess1.Secret, Token: sess2.Token}
		refuse(t, create("mixed").SignV1(t, mixed, now()), "InvalidSecurityToken.MismatchWithAccessKey", 400)
		refuse(t, createV3("mixed-v3").SignV3(t, mixed, now()), "InvalidSecurityToken.MismatchWithAccessKey", 400)
		// A permanent key with a token.
		refuse(t, create("perm-token").SignV1(t, Creds{ID: root.ID, Secret: root.Secret, Token: sess1.Token}, now()), "InvalidSecurityToken.MismatchWithAccessKey", 400)
		// An STS key made up, with a real token.
		refuse(t, create("made-up").SignV1(t, Creds{ID: "STS.NotARealKey123", Secret: "x", Token: sess1.Token}, now()), "InvalidSecurityToken.MismatchWithAccessKey", 400)
	})

	t.Run("parameters", func(t *testing.T) {
		// Given twice: in the query and the body.
		r := s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "twice", "AssumeRolePolicyDocument": trust}, map[string]string{"RoleName": "twice-body"})
		raw := r.Body
		r.Body = nil // SignV1 refuses the duplicate itself; sign without, send with.
		r.SignV1(t, root, now())
		r.Body = raw
		if msg := refuse(t, r, "InvalidParameter", 400); !strings.Contains(msg, `"RoleName" is given more than once`) {
			t.Errorf("message %q", msg)
		}
		r = create("twice-query").SignV1(t, root, now())
		r.RawQuery += "&RoleName=again"
		refuse(t, r, "InvalidParameter", 400)
		// Parameters in a form body are fine (the credential providers send
		// them there).
		form := s.v1("CreateRole", ramVersion, nil, map[string]string{"RoleName": "from-form", "AssumeRolePolicyDocument": trust})
		if st, m := s.Send(t, form.SignV1(t, root, now())); st != 200 {
			t.Fatalf("parameters in the form body: %d %v", st, m)
		}
		before = append(before, "from-form")

		// Action or Version disagreeing with x-acs-action / x-acs-version.
		r = create("disagree").SignV1(t, root, now())
		r.Header["x-acs-action"] = []string{"DeleteRole"}
		if msg := refuse(t, r, "InvalidParameter", 400); !strings.Contains(msg, "x-acs-action") {
			t.Errorf("message %q", msg)
		}
		r = create("disagree").SignV1(t, root, now())
		r.Header["x-acs-version"] = []string{stsVersion}
		refuse(t, r, "InvalidParameter", 400)
		r = createV3("disagree-v3")
		r.RawQuery += "&Action=DeleteRole"
		r.SignV3(t, root, now())
		refuse(t, r, "InvalidParameter", 400)

		// Unknown actions and versions.
		if msg := refuse(t, s.v1("CreateRoles", ramVersion, nil, nil).SignV1(t, root, now()), "InvalidAction.NotFound", 404); msg != "Specified api is not found, please check your url and method." {
			t.Errorf("message %q", msg)
		}
		st, m := s.Send(t, s.v1("createrole", ramVersion, map[string]string{"RoleName": "lower", "AssumeRolePolicyDocument": trust}, nil).SignV1(t, root, now()))
		wantRaw(t, st, m, "InvalidAction.NotFound", 404)
		if !strings.Contains(m["Recommend"].(string), "CreateRole") {
			t.Errorf("Recommend for a wrong-case action: %v", m["Recommend"])
		}
		refuse(t, s.v3("AssumeRole", ramVersion, nil).SignV3(t, root, now()), "InvalidAction.NotFound", 404)
		refuse(t, s.v1("CreateRole", "2099-01-01", map[string]string{"RoleName": "v", "AssumeRolePolicyDocument": trust}, nil).SignV1(t, root, now()), "InvalidVersion", 400)

		// Missing parameters: the action's, and the protocol's.
		if msg := refuse(t, s.v1("CreateRole", ramVersion, map[string]string{"AssumeRolePolicyDocument": trust}, nil).SignV1(t, root, now()), "MissingParameter", 400); !strings.Contains(msg, `"RoleName"`) {
			t.Errorf("message %q", msg)
		}
		refuse(t, s.v3("CreateRole", ramVersion, map[string]string{"RoleName": "no-doc"}).SignV3(t, root, now()), "MissingParameter", 400)
		r = create("no-nonce").SignV1(t, root, now())
		q, _ := url.ParseQuery(r.RawQuery)
		q.Del("SignatureNonce")
		r.RawQuery = q.Encode()
		refuse(t, r, "MissingSignatureNonce", 400)
		q.Del("Timestamp")
		r.RawQuery = q.Encode()
		refuse(t, r, "MissingSignatureNonce", 400)
		q.Set("SignatureNonce", nonce())
		r.RawQuery = q.Encode()
		refuse(t, r, "MissingTimestamp", 400)

		// Over-long names and parameters.
		refuse(t, create(strings.Repeat("n", 65)).SignV1(t, root, now()), "InvalidParameter.RoleName.Length", 400)
		refuse(t, createV3(strings.Repeat("n", 65)).SignV3(t, root, now()), "InvalidParameter.RoleName.Length", 400)
		refuse(t, s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "long-desc", "AssumeRolePolicyDocument": trust,
			"Description": strings.Repeat("d", 1025)}, nil).SignV1(t, root, now()), "InvalidParameter.Description.Length", 400)
		refuse(t, s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "long-tag", "AssumeRolePolicyDocument": trust,
			"Tag": strings.Repeat("t", 8193)}, nil).SignV1(t, root, now()), "InvalidParameter.Tag.Length", 400)
		refuse(t, create("long-nonce").SignV1(t, root, now(), strings.Repeat("n", 129)), "InvalidParameter", 400)
		refuse(t, s.v1("AssumeRole", stsVersion, map[string]string{"RoleArn": roleArn(b.AccountID, "base"),
			"RoleSessionName": strings.Repeat("s", 129)}, nil).SignV1(t, alice, now()), "InvalidParameter.RoleSessionName.Length", 400)
		refuse(t, s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "bad-int", "AssumeRolePolicyDocument": trust,
			"MaxSessionDuration": "lots"}, nil).SignV1(t, root, now()), "InvalidParameter.MaxSessionDuration", 400)

		// Malformed policies, through V3.
		refuse(t, s.v3("CreateRole", ramVersion, map[string]string{"RoleName": "bad-trust",
			"AssumeRolePolicyDocument": `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`}).SignV3(t, root, now()), "MalformedPolicyDocument", 400)
		refuse(t, s.v3("CreatePolicy", ramVersion, map[string]string{"PolicyName": "bad-doc",
			"PolicyDocument": `{"Version":"1","Statement":{"Effect":"Allow"}}`}).SignV3(t, root, now()), "MalformedPolicyDocument", 400)
	})

	t.Run("http", func(t *testing.T) {
		// A body over 1 MiB is refused before anything else.
		r := create("huge")
		r.Body = []byte("Description=" + strings.Repeat("x", 1<<20))
		r.SignV1(t, root, now())
		st, m := s.Send(t, r)
		wantRaw(t, st, m, "RequestEntityTooLarge", 413)
		// Methods RPC does not take.
		r = create("patch").SignV1(t, root, now())
		r.Method = http.MethodPatch
		refuse(t, r, "UnsupportedHTTPMethod", 405)
		// GET works as well as POST.
		r = s.v1("GetCallerIdentity", stsVersion, nil, nil)
		r.Method = http.MethodGet
		delete(r.Header, "Content-Type")
		if st, m := s.Send(t, r.SignV1(t, root, now())); st != 200 {
			t.Errorf("GET: %d %v", st, m)
		}
		// No signature at all.
		resp, err := http.Get("http://" + s.Endpoint() + "/?Action=CreateRole&Version=2015-05-01&RoleName=unsigned")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("an unsigned request: %d", resp.StatusCode)
		}
	})

	if after := roleNames(t, c); strings.Join(sortedCopy(after), ",") != strings.Join(sortedCopy(before), ",") {
		t.Fatalf("refused requests changed the roles:\nbefore %v\nafter  %v", sortedCopy(before), sortedCopy(after))
	}
	// Refusals are in the audit trail, with their codes.
	audit := s.AuditJSON("")
	for _, code := range []string{"SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "InvalidTimeStamp.Expired", "SignatureNonceUsed",
		"MissingSecurityToken", "InvalidSecurityToken.Malformed", "InvalidAction.NotFound", "MissingParameter"} {
		if !strings.Contains(audit, `"errorCode":"`+code+`"`) {
			t.Errorf("the audit trail has no %s", code)
		}
	}
}

// flip changes the character at i of a base64url token.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestGatewayNonceCap: with --nonce-cap 5 an AccessKey that holds five
// nonces is throttled, and nothing is evicted to make room: an earlier
// request replayed is still refused as a replay. Throttled requests change
// nothing.
func TestGatewayNonceCap(t *testing.T) {
	t.Parallel()
	s := StartServer(t, "--nonce-cap", "5")
	a := s.CreateAccount("cap-a")
	other := s.CreateAccount("cap-other")
	root := a.Creds()
	trust := trustRAM("acs:ram::" + a.AccountID + ":root")
	// Nonce 1: a request to replay later.
	first := s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, root, time.Now())
	if st, m := s.Send(t, first); st != 200 {
		t.Fatalf("request 1: %d %v", st, m)
	}
	// Nonces 2 to 4: a user with its own key, to look at the account later.
	lister := createUserWithKey(t, s.RAM(root), "lister", "AliyunRAMReadOnlyAccess")
	// Nonce 5: a role.
	if st, m := s.Send(t, s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "fifth", "AssumeRolePolicyDocument": trust}, nil).SignV1(t, root, time.Now())); st != 200 {
		t.Fatalf("request 5: %d %v", st, m)
	}
	// The key is at its cap.
	st, m := s.Send(t, s.v1("CreateRole", ramVersion, map[string]string{"RoleName": "sixth", "AssumeRolePolicyDocument": trust}, nil).SignV1(t, root, time.Now()))
	if msg := wantRaw(t, st, m, "Throttling", 400); msg != "Request was denied due to request throttling." {
		t.Errorf("message %q", msg)
	}
	st, m = s.Send(t, s.v3("CreateRole", ramVersion, map[string]string{"RoleName": "sixth-v3", "AssumeRolePolicyDocument": trust}).SignV3(t, root, time.Now()))
	wantRaw(t, st, m, "Throttling", 400)
	cr := ram.CreateCreateRoleRequest()
	cr.RoleName, cr.AssumeRolePolicyDocument = "sixth-sdk", trust
	sdkError(t, errOf(s.RAM(root).CreateRole(cr)), "Throttling", 400)
	// The first request, replayed, is a replay: it was not evicted.
	st, m = s.Send(t, first)
	wantRaw(t, st, m, "SignatureNonceUsed", 400)
	// Other keys, of this account and of another, are not affected; the
	// throttled requests created nothing.
	if names := roleNames(t, s.RAM(lister)); strings.Join(names, ",") != "fifth" {
		t.Fatalf("roles after the throttled requests: %v", names)
	}
	if st, m := s.Send(t, s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, other.Creds(), time.Now())); st != 200 {
		t.Fatalf("another account's key: %d %v", st, m)
	}
}

// TestSTSExpiry: with --sts-min-duration 2s, credentials of 2 s work and
// then expire (InvalidSecurityToken.Expired); shorter ones are refused,
// and the signature window stays 15 minutes.
func TestSTSExpiry(t *testing.T) {
	t.Parallel()
	f := newSTSFixture(t, "--sts-min-duration", "2s")
	s := f.s
	attachToRole(t, f.ramB, "App", "AliyunRAMReadOnlyAccess")
	r := sts.CreateAssumeRoleRequest()
	r.RoleArn, r.RoleSessionName, r.DurationSeconds = f.appArn, "short", "1"
	sdkError(t, errOf(s.STS(f.alice).AssumeRole(r)), "InvalidParameter.DurationSeconds", 400)
	sess, resp := s.AssumeRole(t, f.alice, f.appArn, "short", func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "2" })
	exp, err := time.Parse("2006-01-02T15:04:05Z", resp.Credentials.Expiration)
	if err != nil || time.Until(exp) > 3*time.Second {
		t.Fatalf("Expiration %s for 2 s", resp.Credentials.Expiration)
	}
	must(s.RAM(sess).ListRoles(ram.CreateListRolesRequest()))(t)
	time.Sleep(time.Until(exp) + 1100*time.Millisecond)
	se := sdkError(t, errOf(s.RAM(sess).ListRoles(ram.CreateListRolesRequest())), "InvalidSecurityToken.Expired", 400)
	if se.Message() != "Specified SecurityToken is expired." {
		t.Errorf("message %q", se.Message())
	}
	st, m := s.Send(t, s.v3("GetCallerIdentity", stsVersion, nil).SignV3(t, sess, time.Now()))
	wantRaw(t, st, m, "InvalidSecurityToken.Expired", 400)
	// The signature window is not the STS minimum.
	if st, m := s.Send(t, s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, f.alice, time.Now().Add(-14*time.Minute))); st != 200 {
		t.Fatalf("a 14-minute-old timestamp: %d %v", st, m)
	}
	st, m = s.Send(t, s.v1("GetCallerIdentity", stsVersion, nil, nil).SignV1(t, f.alice, time.Now().Add(-16*time.Minute)))
	wantRaw(t, st, m, "InvalidTimeStamp.Expired", 400)
}
