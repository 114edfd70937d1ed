package signature

// Requests signed by the official SDKs, captured by an httptest server and
// checked with Parse and Verify: the monolithic
// github.com/aliyun/alibaba-cloud-sdk-go (V1, through its own
// sdk/auth signer) and github.com/alibabacloud-go/darabonba-openapi/v2 (V3
// by default, V1 with SignatureAlgorithm "v2").

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

const (
	sdkAK     = "LTAI5tSdkTestAccessKey01"
	sdkSecret = "sdkSecret/+="
	sdkSTSAK  = "STS.NSdkTestSessionKey"
	sdkSTSSK  = "sdkStsSecret"
	sdkToken  = "CAIS+sdk/token=="
)

// capture is an httptest server that records every request as a Request
// and answers with a fixed JSON body, or, when check is set, with the error
// check returns.
type capture struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []*Request
	body  string
	check func(*Request) error
}

func newCapture(t *testing.T, tlsServer bool, body string) *capture {
	c := &capture{body: body}
	h := http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		b, err := io.ReadAll(hr.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		r := &Request{Method: hr.Method, Path: hr.URL.EscapedPath(), RawQuery: hr.URL.RawQuery,
			Header: hr.Header.Clone(), Body: b, Host: hr.Host}
		c.mu.Lock()
		c.reqs = append(c.reqs, r)
		check := c.check
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if check != nil {
			if err := check(r); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					http.Error(w, err.Error(), 500)
					return
				}
				w.WriteHeader(e.Status)
				_ = json.NewEncoder(w).Encode(map[string]string{"RequestId": "6E6D1D9F-0000-4000-8000-000000000000",
					"HostId": hr.Host, "Code": e.Code, "Message": e.Message})
				return
			}
		}
		_, _ = io.WriteString(w, c.body)
	})
	if tlsServer {
		c.srv = httptest.NewTLSServer(h)
	} else {
		c.srv = httptest.NewServer(h)
	}
	t.Cleanup(c.srv.Close)
	return c
}

func (c *capture) host() string {
	return strings.TrimPrefix(strings.TrimPrefix(c.srv.URL, "http://"), "https://")
}

// last returns the only request captured since the previous call.
func (c *capture) last(t *testing.T) *Request {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) != 1 {
		t.Fatalf("captured %d requests, want 1", len(c.reqs))
	}
	r := c.reqs[0]
	c.reqs = nil
	return r
}

// verifySDK checks a captured request: it parses, is fresh, verifies with
// the right secret and not with a wrong one.
func verifySDK(t *testing.T, r *Request, scheme Scheme, ak, secret, token, action, version string) *Signed {
	t.Helper()
	equals(t, Detect(r), scheme)
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v\n%+v", err, r)
	}
	equals(t, s.Scheme, scheme)
	ok(t, s.CheckTime(time.Now(), DefaultWindow))
	if err := s.Verify(secret); err != nil {
		t.Fatalf("Verify with the right secret: %v\n%+v", err, r)
	}
	wantCode(t, s.Verify(secret+"x"), CodeSignatureDoesNotMatch)
	wantCode(t, s.Verify(""), CodeSignatureDoesNotMatch)
	equals(t, s.AccessKeyID, ak)
	equals(t, s.SecurityToken, token)
	equals(t, s.Action, action)
	equals(t, s.Version, version)
	if s.Nonce == "" {
		t.Fatal("no nonce")
	}
	return s
}

const getRoleJSON = `{"RequestId":"6E6D1D9F-0000-4000-8000-000000000000","Role":{"RoleName":"My Role*~","RoleId":"300000000000000001"}}`

func TestMonolithicSDK(t *testing.T) {
	c := newCapture(t, false, getRoleJSON)

	t.Run("RAM GetRole, AccessKey", func(t *testing.T) {
		client, err := ram.NewClientWithAccessKey("cn-hangzhou", sdkAK, sdkSecret)
		ok(t, err)
		client.Domain = c.host()
		req := ram.CreateGetRoleRequest()
		req.Scheme = "http"
		req.RoleName = "My Role*~ é"
		_, err = client.GetRole(req)
		ok(t, err)
		s := verifySDK(t, c.last(t), V1, sdkAK, sdkSecret, "", "GetRole", "2015-05-01")
		equals(t, s.Params.Get("RoleName"), "My Role*~ é")
		equals(t, s.Params.Has("SignatureType"), true)
		equals(t, s.Params.Get("RegionId"), "cn-hangzhou")
	})

	t.Run("RAM GetRole, GET", func(t *testing.T) {
		client, err := ram.NewClientWithAccessKey("cn-hangzhou", sdkAK, sdkSecret)
		ok(t, err)
		client.Domain = c.host()
		req := ram.CreateGetRoleRequest()
		req.Scheme = "http"
		req.Method = requests.GET
		req.RoleName = "r"
		_, err = client.GetRole(req)
		ok(t, err)
		r := c.last(t)
		equals(t, r.Method, "GET")
		verifySDK(t, r, V1, sdkAK, sdkSecret, "", "GetRole", "2015-05-01")
	})

	t.Run("STS AssumeRole, STS token", func(t *testing.T) {
		client, err := sts.NewClientWithStsToken("cn-hangzhou", sdkSTSAK, sdkSTSSK, sdkToken)
		ok(t, err)
		client.Domain = c.host()
		req := sts.CreateAssumeRoleRequest()
		req.Scheme = "http"
		req.RoleArn = "acs:ram::1234567890123456:role/testrole"
		req.RoleSessionName = "alice"
		req.DurationSeconds = requests.NewInteger(3600)
		_, err = client.AssumeRole(req)
		ok(t, err)
		s := verifySDK(t, c.last(t), V1, sdkSTSAK, sdkSTSSK, sdkToken, "AssumeRole", "2015-04-01")
		equals(t, s.Params.Get("RoleArn"), "acs:ram::1234567890123456:role/testrole")
	})

	t.Run("CommonRequest with form parameters", func(t *testing.T) {
		client, err := ram.NewClientWithAccessKey("cn-hangzhou", sdkAK, sdkSecret)
		ok(t, err)
		req := requests.NewCommonRequest()
		req.Scheme = "http"
		req.Domain = c.host()
		req.Version = "2015-05-01"
		req.ApiName = "CreateRole"
		req.Method = requests.POST
		req.QueryParams["RoleName"] = "r1"
		req.FormParams["AssumeRolePolicyDocument"] = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::1:root"]}}],"Version":"1"}`
		req.FormParams["Description"] = "a b+c*d~"
		_, err = client.ProcessCommonRequest(req)
		ok(t, err)
		r := c.last(t)
		if len(r.Body) == 0 {
			t.Fatal("no form body")
		}
		s := verifySDK(t, r, V1, sdkAK, sdkSecret, "", "CreateRole", "2015-05-01")
		equals(t, s.Params.Get("Description"), "a b+c*d~")
		equals(t, s.Params.Get("RoleName"), "r1")
	})

	t.Run("wrong secret: the SDK blames the secret", func(t *testing.T) {
		// The server answers with this package's SignatureDoesNotMatch; the
		// SDK compares the string to sign after "server string to sign is:"
		// with its own and, when they are equal, says the secret is wrong.
		c.check = func(r *Request) error {
			_, err := Authenticate(r, time.Now(), func(*Signed) (string, error) { return sdkSecret, nil })
			return err
		}
		defer func() { c.check = nil }()
		client, err := ram.NewClientWithAccessKey("cn-hangzhou", sdkAK, "wrong-secret")
		ok(t, err)
		client.Domain = c.host()
		req := ram.CreateGetRoleRequest()
		req.Scheme = "http"
		req.RoleName = "My Role*~"
		_, err = client.GetRole(req)
		c.last(t)
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) {
			t.Fatalf("got %v (%T), want *errors.ServerError", err, err)
		}
		equals(t, se.ErrorCode(), CodeSignatureDoesNotMatch)
		equals(t, se.HttpStatus(), 400)
		equals(t, se.Recommend(), "InvalidAccessKeySecret: Please check you AccessKeySecret")

		// And with the right secret the same server accepts the call.
		client, err = ram.NewClientWithAccessKey("cn-hangzhou", sdkAK, sdkSecret)
		ok(t, err)
		client.Domain = c.host()
		_, err = client.GetRole(req)
		ok(t, err)
		c.last(t)
	})
}

// TestMonolithicRAMRoleARNProvider captures the credential provider's
// AssumeRole call: common parameters in the query, the rest in a form body,
// over HTTPS (the provider hard-codes the scheme).
func TestMonolithicRAMRoleARNProvider(t *testing.T) {
	c := newCapture(t, true, `{"RequestId":"R","Credentials":{"AccessKeyId":"STS.new","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2099-01-01T00:00:00Z"}}`)
	// The provider clones http.DefaultTransport and offers no way to add a
	// CA, so trust the test server there for the duration of this test.
	pool := x509.NewCertPool()
	pool.AddCert(c.srv.Certificate())
	dt := http.DefaultTransport.(*http.Transport)
	saved := dt.TLSClientConfig
	dt.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(func() { dt.TLSClientConfig = saved })

	for _, token := range []string{"", sdkToken} {
		ak, sk := sdkAK, sdkSecret
		if token != "" {
			ak, sk = sdkSTSAK, sdkSTSSK
		}
		p, err := credentials.NewRAMRoleARNCredentialsProviderBuilder().
			WithAccessKeyId(ak).WithAccessKeySecret(sk).WithSecurityToken(token).
			WithRoleArn("acs:ram::1234567890123456:role/testrole").WithRoleSessionName("alice").
			WithPolicy(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"odps:*","Resource":"*"}]}`).
			WithExternalId("ext-1").WithDurationSeconds(900).
			WithStsEndpoint(c.host()).Build()
		ok(t, err)
		cc, err := p.GetCredentials()
		ok(t, err)
		equals(t, cc.AccessKeyId, "STS.new")
		r := c.last(t)
		if !strings.Contains(string(r.Body), "RoleSessionName=alice") {
			t.Fatalf("parameters not in the body: %q", r.Body)
		}
		s := verifySDK(t, r, V1, ak, sk, token, "AssumeRole", "2015-04-01")
		equals(t, s.Params.Get("ExternalId"), "ext-1")
		equals(t, s.Params.Get("DurationSeconds"), "900")
	}
}

func newDaraClient(t *testing.T, host, ak, sk, token, algorithm string) *openapi.Client {
	t.Helper()
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(ak),
		AccessKeySecret: dara.String(sk),
		Endpoint:        dara.String(host),
		Protocol:        dara.String("HTTP"),
		RegionId:        dara.String("cn-hangzhou"),
	}
	if token != "" {
		cfg.SecurityToken = dara.String(token)
	}
	if algorithm != "" {
		cfg.SignatureAlgorithm = dara.String(algorithm)
	}
	client, err := openapi.NewClient(cfg)
	ok(t, err)
	return client
}

func daraParams(style, action, version, method, pathname, reqBodyType string) *openapiutil.Params {
	return &openapiutil.Params{
		Action:      dara.String(action),
		Version:     dara.String(version),
		Protocol:    dara.String("HTTP"),
		Pathname:    dara.String(pathname),
		Method:      dara.String(method),
		AuthType:    dara.String("AK"),
		Style:       dara.String(style),
		ReqBodyType: dara.String(reqBodyType),
		BodyType:    dara.String("json"),
	}
}

func TestDarabonbaV3(t *testing.T) {
	c := newCapture(t, false, getRoleJSON)
	runtime := &dara.RuntimeOptions{}

	t.Run("RPC GetRole", func(t *testing.T) {
		for _, token := range []string{"", sdkToken} {
			ak, sk := sdkAK, sdkSecret
			if token != "" {
				ak, sk = sdkSTSAK, sdkSTSSK
			}
			client := newDaraClient(t, c.host(), ak, sk, token, "")
			req := &openapiutil.OpenApiRequest{Query: map[string]*string{"RoleName": dara.String("My Role*~ é"), "Marker": dara.String("")}}
			_, err := client.CallApi(daraParams("RPC", "GetRole", "2015-05-01", "POST", "/", "json"), req, runtime)
			ok(t, err)
			r := c.last(t)
			if !strings.HasPrefix(r.Header["Authorization"][0], "ACS3-HMAC-SHA256 ") {
				t.Fatalf("Authorization %q", r.Header["Authorization"])
			}
			s := verifySDK(t, r, V3, ak, sk, token, "GetRole", "2015-05-01")
			equals(t, s.Params.Get("RoleName"), "My Role*~ é")
			equals(t, s.Params.Has("Action"), false)
		}
	})

	t.Run("RPC, form body", func(t *testing.T) {
		client := newDaraClient(t, c.host(), sdkAK, sdkSecret, "", "")
		req := &openapiutil.OpenApiRequest{
			Query: map[string]*string{"RoleName": dara.String("r1")},
			Body:  map[string]interface{}{"Description": "a b+c*d~", "AssumeRolePolicyDocument": `{"Version":"1"}`},
		}
		_, err := client.CallApi(daraParams("RPC", "CreateRole", "2015-05-01", "POST", "/", "formData"), req, runtime)
		ok(t, err)
		s := verifySDK(t, c.last(t), V3, sdkAK, sdkSecret, "", "CreateRole", "2015-05-01")
		equals(t, s.Params.Get("Description"), "a b+c*d~")
		equals(t, s.Params.Get("RoleName"), "r1")
	})

	t.Run("ROA, JSON body", func(t *testing.T) {
		client := newDaraClient(t, c.host(), sdkAK, sdkSecret, "", "")
		req := &openapiutil.OpenApiRequest{
			Query: map[string]*string{"regionId": dara.String("cn-hangzhou")},
			Body:  map[string]interface{}{"instanceName": "my instance", "tags": []string{"a", "b"}},
		}
		_, err := client.CallApi(daraParams("ROA", "UpdateInstanceName", "2022-06-01", "POST",
			"/api/v1/instances/"+dara.PercentEncode("hgpostcn-cn-xxx"), "json"), req, runtime)
		ok(t, err)
		r := c.last(t)
		equals(t, r.Path, "/api/v1/instances/hgpostcn-cn-xxx")
		s := verifySDK(t, r, V3, sdkAK, sdkSecret, "", "UpdateInstanceName", "2022-06-01")
		equals(t, s.Params.Get("regionId"), "cn-hangzhou")
	})

	t.Run("ROA, GET, path needing escapes", func(t *testing.T) {
		client := newDaraClient(t, c.host(), sdkSTSAK, sdkSTSSK, sdkToken, "")
		_, err := client.CallApi(daraParams("ROA", "GetInstance", "2022-06-01", "GET",
			"/api/v1/instances/"+dara.PercentEncode("a b*c~d"), "json"),
			&openapiutil.OpenApiRequest{}, runtime)
		ok(t, err)
		r := c.last(t)
		verifySDK(t, r, V3, sdkSTSAK, sdkSTSSK, sdkToken, "GetInstance", "2022-06-01")
	})
}

func TestDarabonbaV1(t *testing.T) {
	c := newCapture(t, false, getRoleJSON)
	runtime := &dara.RuntimeOptions{}

	t.Run("RPC, query", func(t *testing.T) {
		for _, token := range []string{"", sdkToken} {
			ak, sk := sdkAK, sdkSecret
			if token != "" {
				ak, sk = sdkSTSAK, sdkSTSSK
			}
			client := newDaraClient(t, c.host(), ak, sk, token, "v2")
			req := &openapiutil.OpenApiRequest{Query: map[string]*string{"RoleName": dara.String("My Role*~ é")}}
			_, err := client.CallApi(daraParams("RPC", "GetRole", "2015-05-01", "POST", "/", "json"), req, runtime)
			ok(t, err)
			s := verifySDK(t, c.last(t), V1, ak, sk, token, "GetRole", "2015-05-01")
			equals(t, s.Params.Get("Format"), "json")
			equals(t, s.Params.Get("RoleName"), "My Role*~ é")
		}
	})

	t.Run("RPC, form body", func(t *testing.T) {
		client := newDaraClient(t, c.host(), sdkSTSAK, sdkSTSSK, sdkToken, "v2")
		req := &openapiutil.OpenApiRequest{
			Query: map[string]*string{"RoleArn": dara.String("acs:ram::1234567890123456:role/testrole")},
			Body:  map[string]interface{}{"RoleSessionName": "alice", "Policy": `{"Version":"1","Statement":[]}`},
		}
		_, err := client.CallApi(daraParams("RPC", "AssumeRole", "2015-04-01", "POST", "/", "formData"), req, runtime)
		ok(t, err)
		r := c.last(t)
		if len(r.Body) == 0 {
			t.Fatal("no form body")
		}
		s := verifySDK(t, r, V1, sdkSTSAK, sdkSTSSK, sdkToken, "AssumeRole", "2015-04-01")
		equals(t, s.Params.Get("Policy"), `{"Version":"1","Statement":[]}`)
	})

	t.Run("ROA with the v2 algorithm is not a scheme of this package", func(t *testing.T) {
		// darabonba signs ROA calls with SignatureAlgorithm "v2" using the
		// older "acs <AK>:<signature>" header, which localyun does not accept.
		client := newDaraClient(t, c.host(), sdkAK, sdkSecret, "", "v2")
		_, err := client.CallApi(daraParams("ROA", "GetInstance", "2022-06-01", "GET", "/api/v1/instances/x", "json"),
			&openapiutil.OpenApiRequest{}, runtime)
		ok(t, err)
		r := c.last(t)
		equals(t, Detect(r), None)
		_, err = Parse(r)
		wantCode(t, err, CodeIncompleteSignature)
	})
}
