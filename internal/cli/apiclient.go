package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/server"
)

// apiClient calls localyun's RPC and ROA APIs the way the official SDKs
// do: V1 signatures for RPC, V3 for ROA.
type apiClient struct {
	root  string // scheme://host:port
	creds signature.Credentials
	http  *http.Client
}

// apiFlags are the endpoint and credential flags of client commands.
type apiFlags struct {
	endpoint, keyID, keySecret, token string
}

func (f *apiFlags) register(fl interface {
	StringVar(p *string, name, value, usage string)
}) {
	fl.StringVar(&f.endpoint, "endpoint", "", "localyun's address (default LOCALYUN_ENDPOINT, else http://"+server.DefaultHTTPAddr+")")
	fl.StringVar(&f.keyID, "access-key-id", "", "AccessKeyId (default ALIBABA_CLOUD_ACCESS_KEY_ID); flags are visible in ps, prefer the variables")
	fl.StringVar(&f.keySecret, "access-key-secret", "", "AccessKey secret (default ALIBABA_CLOUD_ACCESS_KEY_SECRET); visible in ps")
	fl.StringVar(&f.token, "security-token", "", "STS security token (default ALIBABA_CLOUD_SECURITY_TOKEN); visible in ps")
}

func (f *apiFlags) client() (*apiClient, error) {
	pick := func(flag, env string) string {
		if flag != "" {
			return flag
		}
		return os.Getenv(env)
	}
	c := &apiClient{http: &http.Client{Timeout: 60 * time.Second}, creds: signature.Credentials{
		AccessKeyID:     pick(f.keyID, "ALIBABA_CLOUD_ACCESS_KEY_ID"),
		AccessKeySecret: pick(f.keySecret, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		SecurityToken:   pick(f.token, "ALIBABA_CLOUD_SECURITY_TOKEN"),
	}}
	if c.creds.AccessKeyID == "" || c.creds.AccessKeySecret == "" {
		return nil, usageErrorf("no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)")
	}
	raw := pick(f.endpoint, "LOCALYUN_ENDPOINT")
	if raw == "" {
		raw = "http://" + server.DefaultHTTPAddr
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, usageErrorf("--endpoint %q: give localyun's address, e.g. http://127.0.0.1:18080", f.endpoint)
	}
	c.root = u.Scheme + "://" + u.Host
	return c, nil
}

func nonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// rpc calls an RPC action with parameters in the form body, as the
// monolithic SDK's credential providers do, and decodes the JSON answer.
func (c *apiClient) rpc(ctx context.Context, version, action string, params url.Values, out any) error {
	q := url.Values{"Action": {action}, "Version": {version}, "Format": {"JSON"}}
	u, _ := url.Parse(c.root)
	sr := &signature.Request{Method: "POST", Path: "/", RawQuery: q.Encode(), Body: []byte(params.Encode()), Host: u.Host,
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}, "x-acs-action": {action}, "x-acs-version": {version}}}
	n, err := nonce()
	if err != nil {
		return err
	}
	if err := signature.SignV1(sr, c.creds, time.Now(), n); err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	return c.send(ctx, sr, c.root+"/?"+sr.RawQuery, out)
}

// roa calls an ROA action with a JSON body, signed with V3 as darabonba
// does.
func (c *apiClient) roa(ctx context.Context, version, action, method, path string, body any, out any) error {
	var data []byte
	header := map[string][]string{"x-acs-action": {action}, "x-acs-version": {version}, "Accept": {"application/json"}}
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
		header["Content-Type"] = []string{"application/json; charset=utf-8"}
	}
	u, _ := url.Parse(c.root)
	sr := &signature.Request{Method: method, Path: path, Body: data, Host: u.Host, Header: header}
	n, err := nonce()
	if err != nil {
		return err
	}
	if err := signature.SignV3(sr, c.creds, time.Now(), n); err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	target := c.root + path
	if sr.RawQuery != "" {
		target += "?" + sr.RawQuery
	}
	return c.send(ctx, sr, target, out)
}

func (c *apiClient) send(ctx context.Context, sr *signature.Request, target string, out any) error {
	req, err := http.NewRequestWithContext(ctx, sr.Method, target, bytes.NewReader(sr.Body))
	if err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	req.Header = http.Header(sr.Header)
	res, err := c.http.Do(req)
	if err != nil {
		return &exitError{code: ExitFailed, msg: fmt.Sprintf("cannot reach %s: %v (is `localyun serve` running?)", c.root, err)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return &exitError{code: ExitFailed, msg: err.Error()}
	}
	if res.StatusCode != http.StatusOK {
		var e struct{ Code, Message, Recommend string }
		if json.Unmarshal(body, &e) != nil || e.Code == "" {
			return &exitError{code: ExitFailed, msg: fmt.Sprintf("%s: %s", res.Status, strings.TrimSpace(string(body)))}
		}
		msg := e.Code + ": " + e.Message
		if e.Recommend != "" {
			msg += "\n" + e.Recommend
		}
		code := ExitFailed
		if res.StatusCode == 400 && (strings.HasPrefix(e.Code, "InvalidParameter") || strings.HasPrefix(e.Code, "Missing")) {
			code = ExitUsage
		}
		return &exitError{code: code, msg: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &exitError{code: ExitFailed, msg: fmt.Sprintf("the server's answer is not JSON: %v", err)}
	}
	return nil
}
