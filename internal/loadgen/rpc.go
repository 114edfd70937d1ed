package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/localyun/localyun/internal/gateway/signature"
)

// RPC builds V1-signed RPC requests as the monolithic Go SDK
// (github.com/aliyun/alibaba-cloud-sdk-go) sends them: POST to "/", every
// parameter in the query (Action, Version, Format=JSON, RegionId, the
// action's parameters and the signature parameters, with an empty
// SignatureType), an empty form body, and the SDK's headers. Each request
// gets a fresh random SignatureNonce and the current Timestamp. Requests
// take the keys in turn, which spreads them over the server's per-key
// nonce cap.
type RPC struct {
	// Endpoint is host:port of the server's HTTP listener.
	Endpoint string
	Version  string
	Action   string
	// Params are the action's parameters ("RoleArn", ...).
	Params map[string]string
	// RegionID is sent as RegionId (default cn-hangzhou).
	RegionID string
	// Keys sign the requests, in turn; at least one.
	Keys []signature.Credentials
	// Now is the clock for Timestamp (default time.Now).
	Now func() time.Time

	next atomic.Uint64
}

// NewRequest builds the next request; w is ignored (any worker may use any
// key). It is safe for concurrent use.
func (r *RPC) NewRequest(w int) (*http.Request, error) {
	if len(r.Keys) == 0 {
		return nil, errors.New("loadgen: RPC needs at least one AccessKey")
	}
	key := r.Keys[int((r.next.Add(1)-1)%uint64(len(r.Keys)))]
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	return NewRPCRequest(r.Endpoint, key, r.Version, r.Action, r.RegionID, r.Params, now())
}

// NewRPCRequest builds one V1-signed RPC request to endpoint (host:port)
// with a fresh nonce, signed at now.
func NewRPCRequest(endpoint string, key signature.Credentials, version, action, region string, params map[string]string, now time.Time) (*http.Request, error) {
	if region == "" {
		region = "cn-hangzhou"
	}
	q := make(url.Values, len(params)+12)
	for k, v := range params {
		q.Set(k, v)
	}
	q.Set("Action", action)
	q.Set("Version", version)
	q.Set("Format", "JSON")
	q.Set("RegionId", region)
	q.Set("SignatureType", "")
	header := http.Header{
		"Content-Type":               {"application/x-www-form-urlencoded"},
		"X-Acs-Action":               {action},
		"X-Acs-Version":              {version},
		"X-Acs-Credentials-Provider": {"static_ak"},
		"X-Sdk-Client":               {"golang/1.0.0"},
		"X-Sdk-Invoke-Type":          {"normal"},
		"Accept-Encoding":            {"identity"},
		"User-Agent":                 {"localyun-bench AlibabaCloud (linux; amd64) Go/1 Core/1.63 HTTPClient/net/http"},
	}
	sreq := &signature.Request{Method: http.MethodPost, Path: "/", RawQuery: q.Encode(), Header: header, Host: endpoint}
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	if err := signature.SignV1(sreq, key, now, nonce); err != nil {
		return nil, err
	}
	// Built directly rather than by parsing a URL string: the load
	// generator shares the CPUs with the server it measures.
	return &http.Request{
		Method:     http.MethodPost,
		URL:        &url.URL{Scheme: "http", Host: endpoint, Path: "/", RawQuery: sreq.RawQuery},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Body:       http.NoBody,
		Host:       endpoint,
	}, nil
}

// newNonce is 16 random bytes in hex: fresh for every request, retries
// included, as the replay guard requires.
func newNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// APIError is an RPC error body: the Alibaba code, message and what to do.
type APIError struct {
	Status    int
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
	RequestID string `json:"RequestId"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
	if e.Recommend != "" {
		if strings.HasSuffix(s, ".") {
			s += " " + e.Recommend
		} else {
			s += "; " + e.Recommend
		}
	}
	return s
}

// Call sends one V1-signed RPC request and returns the response body of a
// 200 answer, or an *APIError for an error body, or a transport error.
func Call(ctx context.Context, client *http.Client, endpoint string, key signature.Credentials, version, action string, params map[string]string) ([]byte, error) {
	req, err := NewRPCRequest(endpoint, key, version, action, "", params, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(body, e) != nil || e.Code == "" {
			e.Code = "HTTP " + fmt.Sprint(resp.StatusCode)
			e.Message = clip(string(body), 200)
		}
		return nil, e
	}
	return body, nil
}

// ResponseCheck validates the body of a 200 answer, RequestId included; it
// returns false when the body is not what the action returns.
type ResponseCheck func(body []byte) bool

// CheckRPC returns a Target.Check for RPC answers: a 200 must be a JSON
// object that ok accepts (nil: any object with a RequestId), counted
// as BadResponse otherwise; an error answer is counted as
// "HTTP <status> <Code>", its Code read from the error body.
func CheckRPC(ok ResponseCheck) func(status int, header http.Header, body []byte) string {
	return func(status int, _ http.Header, body []byte) string {
		if status != http.StatusOK {
			var e struct{ Code string }
			if json.Unmarshal(body, &e) != nil || e.Code == "" {
				return fmt.Sprintf("HTTP %d", status)
			}
			return fmt.Sprintf("HTTP %d %s", status, e.Code)
		}
		if ok == nil {
			var head struct {
				RequestID string `json:"RequestId"`
			}
			if json.Unmarshal(body, &head) != nil || head.RequestID == "" {
				return "BadResponse"
			}
		} else if !ok(body) {
			return "BadResponse"
		}
		return ""
	}
}

// AssumeRoleOK accepts an AssumeRole answer carrying STS credentials.
func AssumeRoleOK(body []byte) bool {
	var r struct {
		RequestID   string `json:"RequestId"`
		Credentials struct {
			AccessKeyID     string `json:"AccessKeyId"`
			AccessKeySecret string
			SecurityToken   string
			Expiration      string
		}
		AssumedRoleUser struct{ Arn string }
	}
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	c := r.Credentials
	return r.RequestID != "" && strings.HasPrefix(c.AccessKeyID, "STS.") && c.AccessKeySecret != "" && c.SecurityToken != "" &&
		c.Expiration != "" && r.AssumedRoleUser.Arn != ""
}

// GetRoleOK accepts a GetRole answer carrying a role.
func GetRoleOK(body []byte) bool {
	var r struct {
		RequestID string `json:"RequestId"`
		Role      struct {
			RoleID   string `json:"RoleId"`
			RoleName string
			Arn      string
		}
	}
	return json.Unmarshal(body, &r) == nil && r.RequestID != "" && r.Role.RoleID != "" && r.Role.RoleName != "" && r.Role.Arn != ""
}

func clip(s string, n int) string {
	s = string(bytes.ToValidUTF8([]byte(s), []byte("?")))
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
