package e2e

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// Dara is the generic darabonba client (V3 ACS3-HMAC-SHA256 signatures by
// default) pointed at the server.
func (s *Server) Dara(t testing.TB, c Creds, algorithm string) *openapi.Client {
	t.Helper()
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(c.ID),
		AccessKeySecret: dara.String(c.Secret),
		Endpoint:        dara.String(s.Endpoint()),
		Protocol:        dara.String("HTTP"),
		RegionId:        dara.String("cn-hangzhou"),
	}
	if c.Token != "" {
		cfg.SecurityToken = dara.String(c.Token)
	}
	if algorithm != "" {
		cfg.SignatureAlgorithm = dara.String(algorithm)
	}
	cfg.HttpClient = recordingDara{secrets: s.secrets}
	client, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// recordingDara is the darabonba client's HTTP client: it sends each
// request as the SDK would and notes, for the coverage check, which
// actions (the x-acs-version and x-acs-action headers the V3 signature
// carries) succeeded, and, for the secret-leak checks, the signatures,
// tokens and secrets that went over the wire.
type recordingDara struct{ secrets *secretSet }

func (rd recordingDara) Call(r *http.Request, transport *http.Transport) (*http.Response, error) {
	c := &http.Client{}
	if transport != nil {
		c.Transport = transport
	}
	// darabonba writes its headers in lower case, past canonicalization.
	header := func(k string) string {
		if v := r.Header.Get(k); v != "" {
			return v
		}
		if v := r.Header[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	rd.secrets.add("x-acs-security-token", header("x-acs-security-token"))
	if _, sig, ok := strings.Cut(header("Authorization"), "Signature="); ok {
		rd.secrets.add("V3 signature", sig)
	}
	resp, err := c.Do(r)
	if err != nil {
		return resp, err
	}
	action := header("x-acs-version") + " " + header("x-acs-action")
	exercised.Lock()
	exercised.ok[action] = exercised.ok[action] || resp.StatusCode == http.StatusOK
	exercised.Unlock()
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err == nil {
		rd.secrets.fromBody(raw)
	}
	return resp, nil
}

// daraRPC calls an RPC action with business parameters in the query, as
// the generated product clients do, and returns the decoded body.
func daraRPC(client *openapi.Client, action, version string, query map[string]string) (map[string]any, error) {
	params := &openapiutil.Params{
		Action: dara.String(action), Version: dara.String(version), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"),
		Style: dara.String("RPC"), ReqBodyType: dara.String("json"), BodyType: dara.String("json"),
	}
	q := map[string]*string{}
	for k, v := range query {
		q[k] = dara.String(v)
	}
	res, err := client.CallApi(params, &openapiutil.OpenApiRequest{Query: q}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	if fmt.Sprint(res["statusCode"]) != "200" {
		return nil, fmt.Errorf("status %v", res["statusCode"])
	}
	b, _ := res["body"].(map[string]any)
	return b, nil
}

// daraError checks a darabonba client error's code and status: the
// *tea.SDKError callers get by default (ClientError wrapped).
func daraError(t testing.TB, err error, code string, status int) *tea.SDKError {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	var ce *tea.SDKError
	if !errors.As(err, &ce) {
		t.Fatalf("want an SDKError %s, got %T %v", code, err, err)
	}
	if dara.StringValue(ce.Code) != code || dara.IntValue(ce.StatusCode) != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", dara.StringValue(ce.Code), dara.IntValue(ce.StatusCode), dara.StringValue(ce.Message), code, status)
	}
	return ce
}

// TestDarabonbaRAM drives RAM with the generic darabonba client and V3
// signatures, with an AccessKey and with STS credentials (the token in
// x-acs-security-token); STS through it with V1 ("v2" algorithm, as the
// generated STS client does); and XML responses through the monolithic
// SDK.
func TestDarabonbaRAM(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("dara-a"), s.CreateAccount("dara-b")
	root := s.Dara(t, b.Creds(), "")
	const v = "2015-05-01"
	trust := trustRAM("acs:ram::" + a.AccountID + ":root")

	created, err := daraRPC(root, "CreateRole", v, map[string]string{"RoleName": "dara-role", "AssumeRolePolicyDocument": trust, "Description": "made by darabonba"})
	if err != nil {
		t.Fatal(err)
	}
	role := checkShape(t, "CreateRole.Role", created["Role"], roleShape)
	if role["RoleName"] != "dara-role" || role["Arn"] != "acs:ram::"+b.AccountID+":role/dara-role" || role["AssumeRolePolicyDocument"] != trust {
		t.Fatalf("CreateRole: %v", role)
	}
	got, err := daraRPC(root, "GetRole", v, map[string]string{"RoleName": "Dara-Role"})
	if err != nil {
		t.Fatal(err)
	}
	if r := got["Role"].(map[string]any); r["RoleId"] != role["RoleId"] || r["Description"] != "made by darabonba" {
		t.Fatalf("GetRole: %v", got)
	}
	listed, err := daraRPC(root, "ListRoles", v, map[string]string{"MaxItems": "10"})
	if err != nil {
		t.Fatal(err)
	}
	if roles := listed["Roles"].(map[string]any)["Role"].([]any); len(roles) != 1 || listed["IsTruncated"] != false {
		t.Fatalf("ListRoles: %v", listed)
	}

	// Errors come back as ClientError with the code, status and details.
	_, err = daraRPC(root, "GetRole", v, map[string]string{"RoleName": "missing"})
	ce := daraError(t, err, "EntityNotExist.Role", 404)
	if !strings.Contains(dara.StringValue(ce.Message), "The role does not exist.") || !strings.Contains(dara.StringValue(ce.Data), `"RequestId"`) {
		t.Errorf("SDKError: %v", ce)
	}
	_, err = daraRPC(root, "CreateRole", v, map[string]string{"RoleName": "bad/name", "AssumeRolePolicyDocument": trust})
	daraError(t, err, "InvalidParameter.RoleName.InvalidChars", 400)

	// With STS credentials (x-acs-security-token): a session of B's role
	// with RAM access creates, gets, lists and deletes a role.
	aliceCreds := createUserWithKey(t, s.RAM(a.Creds()), "alice", "AliyunSTSAssumeRoleAccess")
	ramB := s.RAM(b.Creds())
	attachToRole(t, ramB, "dara-role", "AliyunRAMFullAccess")
	sess, _ := s.AssumeRole(t, aliceCreds, roleArn(b.AccountID, "dara-role"), "dara")
	viaSTS := s.Dara(t, sess, "")
	if _, err := daraRPC(viaSTS, "CreateRole", v, map[string]string{"RoleName": "by-session", "AssumeRolePolicyDocument": trust}); err != nil {
		t.Fatalf("CreateRole with STS credentials (V3): %v", err)
	}
	got, err = daraRPC(viaSTS, "GetRole", v, map[string]string{"RoleName": "dara-role"})
	if err != nil {
		t.Fatalf("GetRole with STS credentials (V3): %v", err)
	}
	if got["Role"].(map[string]any)["RoleId"] != role["RoleId"] {
		t.Fatalf("GetRole with STS credentials: %v", got)
	}
	listed, err = daraRPC(viaSTS, "ListRoles", v, nil)
	if err != nil || len(listed["Roles"].(map[string]any)["Role"].([]any)) != 2 {
		t.Fatalf("ListRoles with STS credentials: %v %v", listed, err)
	}
	if _, err := daraRPC(viaSTS, "DeleteRole", v, map[string]string{"RoleName": "by-session"}); err != nil {
		t.Fatalf("DeleteRole with STS credentials (V3): %v", err)
	}
	_, err = daraRPC(viaSTS, "GetRole", v, map[string]string{"RoleName": "by-session"})
	daraError(t, err, "EntityNotExist.Role", 404)
	// A session narrowed to reading is refused CreateRole, with the detail.
	readOnly, _ := s.AssumeRole(t, aliceCreds, roleArn(b.AccountID, "dara-role"), "dara-ro", func(r *sts.AssumeRoleRequest) {
		r.Policy = allow([]string{"ram:Get*", "ram:List*"})
	})
	_, err = daraRPC(s.Dara(t, readOnly, ""), "CreateRole", v, map[string]string{"RoleName": "by-session", "AssumeRolePolicyDocument": trust})
	ce = daraError(t, err, "NoPermission", 403)
	if d := ce.AccessDeniedDetail; d == nil || d["AuthAction"] != "ram:CreateRole" || d["AuthPrincipalType"] != "AssumedRoleUser" {
		t.Errorf("AccessDeniedDetail through darabonba: %v", d)
	}
	// A session token sent with a permanent key is refused.
	_, err = daraRPC(s.Dara(t, Creds{ID: b.AccessKeyID, Secret: b.AccessKeySecret, Token: sess.Token}, ""), "ListRoles", v, nil)
	daraError(t, err, "InvalidSecurityToken.MismatchWithAccessKey", 400)
	who, err := daraRPC(viaSTS, "GetCallerIdentity", "2015-04-01", nil)
	if err != nil || who["IdentityType"] != "AssumedRoleUser" {
		t.Fatalf("GetCallerIdentity (V3, STS): %v %v", who, err)
	}
	// The generated STS client signs with V1 ("v2" algorithm, DoRPCRequest).
	v1 := s.Dara(t, aliceCreds, "v2")
	assumed, err := v1.DoRPCRequest(dara.String("AssumeRole"), dara.String("2015-04-01"), dara.String("HTTP"), dara.String("POST"),
		dara.String("AK"), dara.String("json"), &openapiutil.OpenApiRequest{Query: map[string]*string{
			"RoleArn": dara.String(roleArn(b.AccountID, "dara-role")), "RoleSessionName": dara.String("dara-v1")}}, &dara.RuntimeOptions{})
	if err != nil {
		t.Fatalf("AssumeRole through DoRPCRequest: %v", err)
	}
	if c := assumed["body"].(map[string]any)["Credentials"].(map[string]any); !stsKeyRE.MatchString(fmt.Sprint(c["AccessKeyId"])) {
		t.Fatalf("AssumeRole (V1 via darabonba): %v", assumed)
	}

	// DeleteRole, with the policy detached first.
	detachFromRole(t, ramB, "dara-role", "AliyunRAMFullAccess")
	if _, err := daraRPC(root, "DeleteRole", v, map[string]string{"RoleName": "dara-role"}); err != nil {
		t.Fatal(err)
	}
	listed, err = daraRPC(root, "ListRoles", v, nil)
	if err != nil || len(listed["Roles"].(map[string]any)["Role"].([]any)) != 0 {
		t.Fatalf("ListRoles after DeleteRole: %v %v", listed, err)
	}
	_, err = daraRPC(root, "DeleteRole", v, map[string]string{"RoleName": "dara-role"})
	daraError(t, err, "EntityNotExist.Role", 404)

	t.Run("XML", func(t *testing.T) {
		c := s.RAM(b.Creds())
		createRole(t, c, "xml-1", trust)
		createRole(t, c, "xml-2", trust)
		gr := ram.CreateGetRoleRequest()
		gr.RoleName, gr.AcceptFormat = "xml-1", "XML"
		resp := must(c.GetRole(gr))(t)
		raw := resp.GetHttpContentString()
		if !strings.HasPrefix(raw, "<?xml") || !strings.Contains(raw, "<GetRoleResponse>") || resp.GetHttpHeaders()["Content-Type"][0] != "text/xml;charset=utf-8" {
			t.Fatalf("GetRole as XML: %s", raw)
		}
		if resp.Role.RoleName != "xml-1" || resp.Role.MaxSessionDuration != 3600 || resp.Role.AssumeRolePolicyDocument != trust || resp.RequestId == "" {
			t.Fatalf("GetRole parsed from XML: %+v", resp)
		}
		lr := ram.CreateListRolesRequest()
		lr.AcceptFormat, lr.MaxItems = "XML", "1"
		list := must(c.ListRoles(lr))(t)
		if !list.IsTruncated || list.Marker == "" || len(list.Roles.Role) != 1 || list.Roles.Role[0].RoleName != "xml-1" ||
			!strings.Contains(list.GetHttpContentString(), "<Roles><Role>") {
			t.Fatalf("ListRoles as XML: %s", list.GetHttpContentString())
		}
		lr = ram.CreateListRolesRequest()
		lr.AcceptFormat, lr.Marker = "XML", list.Marker
		list = must(c.ListRoles(lr))(t)
		if list.IsTruncated || len(list.Roles.Role) != 1 || list.Roles.Role[0].RoleName != "xml-2" {
			t.Fatalf("ListRoles as XML, second page: %s", list.GetHttpContentString())
		}
		// Errors in XML.
		gr = ram.CreateGetRoleRequest()
		gr.RoleName, gr.AcceptFormat = "nope", "XML"
		_, err := c.GetRole(gr)
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) || se.HttpStatus() != 404 {
			t.Fatalf("GetRole error as XML: %v", err)
		}
		var e struct {
			XMLName   xml.Name `xml:"Error"`
			RequestID string   `xml:"RequestId"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
		}
		if err := xml.Unmarshal([]byte(se.Message()), &e); err != nil || e.Code != "EntityNotExist.Role" || e.RequestID == "" {
			t.Fatalf("XML error body %q: %v", se.Message(), err)
		}
	})
}
