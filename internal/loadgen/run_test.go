package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/gateway/signature"
)

const assumeRoleBody = `{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F","AssumedRoleUser":{"Arn":"acs:ram::1000000000000002:role/bench-role/bench","AssumedRoleId":"300000000000000001:bench"},"Credentials":{"AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2xxx","AccessKeySecret":"secret","SecurityToken":"token","Expiration":"2026-01-01T00:00:00Z"}}`

var testKey = signature.Credentials{AccessKeyID: "LTAI5tQ4bLhxYs4VJNQAbcde", AccessKeySecret: "bench-secret-0123456789abcdef0"}

// rpcServer is an httptest server that verifies each V1 signature the way
// the gateway does, refuses a nonce it has seen, and answers body; every
// failEvery-th request (0: none) gets a Throttling error.
type rpcServer struct {
	*httptest.Server
	mu        sync.Mutex
	nonces    map[string]bool
	served    atomic.Int64
	failEvery int64
	bad       atomic.Int64 // requests that did not verify
	lastQuery atomic.Value // url.Values of the last request
}

func newRPCServer(t *testing.T, body string, failEvery int64) *rpcServer {
	t.Helper()
	s := &rpcServer{nonces: map[string]bool{}, failEvery: failEvery}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		req := &signature.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header, Body: raw, Host: r.Host}
		signed, err := signature.Authenticate(req, time.Now(), func(sg *signature.Signed) (string, error) {
			if sg.AccessKeyID != testKey.AccessKeyID {
				return "", errors.New("unknown key")
			}
			return testKey.AccessKeySecret, nil
		})
		if err == nil {
			s.mu.Lock()
			if s.nonces[signed.Nonce] {
				err = errors.New("nonce used")
			}
			s.nonces[signed.Nonce] = true
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if err != nil {
			s.bad.Add(1)
			w.WriteHeader(400)
			io.WriteString(w, `{"RequestId":"X","Code":"SignatureDoesNotMatch","Message":"`+err.Error()+`"}`)
			return
		}
		s.lastQuery.Store(signed.Params)
		n := s.served.Add(1)
		if s.failEvery > 0 && n%s.failEvery == 0 {
			w.WriteHeader(400)
			io.WriteString(w, `{"RequestId":"X","HostId":"h","Code":"Throttling","Message":"Request was denied due to request throttling."}`)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rpcServer) endpoint() string { return strings.TrimPrefix(s.URL, "http://") }

func TestRunAgainstAnRPCServer(t *testing.T) {
	srv := newRPCServer(t, assumeRoleBody, 5)
	rpc := &RPC{Endpoint: srv.endpoint(), Version: "2015-04-01", Action: "AssumeRole",
		Params: map[string]string{"RoleArn": "acs:ram::1000000000000002:role/bench-role", "RoleSessionName": "bench"}, Keys: []signature.Credentials{testKey}}
	var progress bytes.Buffer
	res, err := Run(context.Background(), Target{Client: NewClient(4), NewRequest: rpc.NewRequest, Check: CheckRPC(AssumeRoleOK)},
		Options{Clients: 4, Duration: 400 * time.Millisecond, Warmup: 100 * time.Millisecond, Progress: &syncWriter{w: &progress},
			ProgressEvery: 50 * time.Millisecond, Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.bad.Load() != 0 {
		t.Fatalf("%d requests did not verify or reused a nonce", srv.bad.Load())
	}
	if res.Requests == 0 {
		t.Fatalf("no request in 400 ms (served %d)", srv.served.Load())
	}
	if res.Requests > srv.served.Load() {
		t.Errorf("counted %d requests, the server answered %d (warm-up included)", res.Requests, srv.served.Load())
	}
	// Every 5th answer the server sent is an error; the measured ones are a
	// window of them (a starved machine may fit few in 400 ms).
	if res.ErrorCodes["HTTP 400 Throttling"] != res.Errors || len(res.ErrorCodes) > 1 || res.Requests >= 10 && res.Errors == 0 {
		t.Errorf("%d requests, errors %d by code %v, want every 5th as HTTP 400 Throttling", res.Requests, res.Errors, res.ErrorCodes)
	}
	if got := int64(res.Latency.Count()); got != res.Requests-res.Errors {
		t.Errorf("latency samples %d, want the %d successes", got, res.Requests-res.Errors)
	}
	if res.Clients != 4 || res.Elapsed != 400*time.Millisecond {
		t.Errorf("clients %d elapsed %v", res.Clients, res.Elapsed)
	}
	wantRate := float64(res.Requests-res.Errors) / 0.4
	if res.Throughput() != wantRate {
		t.Errorf("throughput %v, want %v", res.Throughput(), wantRate)
	}
	if p50, p99, mx := res.Latency.Quantile(0.5), res.Latency.Quantile(0.99), res.Latency.Max(); p50 <= 0 || p50 > p99 || p99 > mx {
		t.Errorf("p50 %v p99 %v max %v not ordered", p50, p99, mx)
	}
	out := progress.String()
	if !strings.Contains(out, "test: warm-up") || !strings.Contains(out, "test: measuring") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress output %q", out)
	}
	q := srv.lastQuery.Load().(interface{ Get(string) string })
	for k, want := range map[string]string{"Action": "AssumeRole", "Version": "2015-04-01", "Format": "JSON", "RegionId": "cn-hangzhou",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "", "RoleSessionName": "bench"} {
		if got := q.Get(k); got != want {
			t.Errorf("parameter %s = %q, want %q", k, got, want)
		}
	}
}

// syncWriter serializes writes; the progress goroutine is the only writer,
// but the test reads after Run returns.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestRunCountsBadBodiesAndTransportErrors(t *testing.T) {
	srv := newRPCServer(t, `{"RequestId":"X","Role":{}}`, 0)
	rpc := &RPC{Endpoint: srv.endpoint(), Version: "2015-05-01", Action: "GetRole", Params: map[string]string{"RoleName": "r"}, Keys: []signature.Credentials{testKey}}
	res, err := Run(context.Background(), Target{Client: NewClient(2), NewRequest: rpc.NewRequest, Check: CheckRPC(GetRoleOK)},
		Options{Clients: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != res.Requests || res.ErrorCodes["BadResponse"] != res.Requests || res.Latency.Count() != 0 {
		t.Errorf("requests %d errors %d codes %v samples %d: every answer lacks the role", res.Requests, res.Errors, res.ErrorCodes, res.Latency.Count())
	}

	srv.Close()
	res, err = Run(context.Background(), Target{Client: NewClient(1), NewRequest: rpc.NewRequest},
		Options{Clients: 1, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.ErrorCodes["ConnectionRefused"] != res.Requests || res.FirstError == "" {
		t.Errorf("against a closed server: %d requests, codes %v, first error %q", res.Requests, res.ErrorCodes, res.FirstError)
	}
}

func TestRunStopsOnRequestErrorsAndCancellation(t *testing.T) {
	_, err := Run(context.Background(), Target{Client: NewClient(1), NewRequest: (&RPC{Endpoint: "127.0.0.1:1"}).NewRequest},
		Options{Duration: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "at least one AccessKey") {
		t.Errorf("a target without keys: %v", err)
	}

	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Run(ctx, Target{Client: NewClient(2), NewRequest: func(int) (*http.Request, error) { return http.NewRequest("GET", slow.URL, nil) }},
		Options{Clients: 2, Duration: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled run: %v after %v", err, time.Since(start))
	}
}

func TestRunCancelsStragglers(t *testing.T) {
	// Requests in flight at the end are cancelled after the grace period and
	// not counted.
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	start := time.Now()
	res, err := Run(context.Background(), Target{Client: NewClient(1), NewRequest: func(int) (*http.Request, error) { return http.NewRequest("GET", slow.URL, nil) }},
		Options{Clients: 1, Duration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || time.Since(start) > stragglerGrace+3*time.Second {
		t.Errorf("%d requests counted, took %v", res.Requests, time.Since(start))
	}
}

func TestCall(t *testing.T) {
	srv := newRPCServer(t, assumeRoleBody, 2)
	params := map[string]string{"RoleArn": "acs:ram::1:role/r", "RoleSessionName": "s1"}
	body, err := Call(context.Background(), NewClient(1), srv.endpoint(), testKey, "2015-04-01", "AssumeRole", params)
	if err != nil || string(body) != assumeRoleBody {
		t.Fatalf("first call: %q, %v", body, err)
	}
	_, err = Call(context.Background(), NewClient(1), srv.endpoint(), testKey, "2015-04-01", "AssumeRole", params)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "Throttling" || ae.Status != 400 || !strings.Contains(ae.Error(), "Throttling (HTTP 400)") {
		t.Fatalf("second call: %v", err)
	}
	bad := signature.Credentials{AccessKeyID: testKey.AccessKeyID, AccessKeySecret: "wrong"}
	_, err = Call(context.Background(), NewClient(1), srv.endpoint(), bad, "2015-04-01", "AssumeRole", params)
	if !errors.As(err, &ae) || ae.Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestCheckRPC(t *testing.T) {
	check := CheckRPC(AssumeRoleOK)
	for _, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{200, assumeRoleBody, ""},
		{200, `{"RequestId":"X"}`, "BadResponse"},
		{200, `{"Credentials":{"AccessKeyId":"STS.x"}}`, "BadResponse"},
		{200, `not json`, "BadResponse"},
		{403, `{"RequestId":"X","Code":"NoPermission","Message":"m"}`, "HTTP 403 NoPermission"},
		{502, `<html>bad gateway</html>`, "HTTP 502"},
	} {
		if got := check(tc.status, nil, []byte(tc.body)); got != tc.want {
			t.Errorf("check(%d, %.30q) = %q, want %q", tc.status, tc.body, got, tc.want)
		}
	}
	if CheckRPC(nil)(200, nil, []byte(`{"RequestId":"X"}`)) != "" {
		t.Error("CheckRPC(nil) refuses a plain answer")
	}
	if !GetRoleOK([]byte(`{"RequestId":"X","Role":{"RoleId":"1","RoleName":"r","Arn":"acs:ram::1:role/r"}}`)) {
		t.Error("GetRoleOK refuses a role")
	}
}

func TestRPCUsesEveryKeyAndFreshNonces(t *testing.T) {
	keys := []signature.Credentials{testKey, {AccessKeyID: "LTAIsecond", AccessKeySecret: "s2"}, {AccessKeyID: "LTAIthird", AccessKeySecret: "s3"}}
	rpc := &RPC{Endpoint: "127.0.0.1:1", Version: "2015-05-01", Action: "GetRole", Params: map[string]string{"RoleName": "r"}, Keys: keys,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	seen := map[string]int{}
	nonces := map[string]bool{}
	for w := range 9 {
		req, err := rpc.NewRequest(w)
		if err != nil {
			t.Fatal(err)
		}
		q := req.URL.Query()
		seen[q.Get("AccessKeyId")]++
		if nonces[q.Get("SignatureNonce")] {
			t.Fatalf("nonce %s used twice", q.Get("SignatureNonce"))
		}
		nonces[q.Get("SignatureNonce")] = true
		if req.Method != http.MethodPost || q.Get("Timestamp") != "2026-01-02T03:04:05Z" || q.Get("Signature") == "" ||
			req.Header.Get("x-acs-action") != "GetRole" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Fatalf("request %s %s %v", req.Method, req.URL, req.Header)
		}
	}
	for _, k := range keys {
		if seen[k.AccessKeyID] != 3 {
			t.Errorf("key %s used %d times, want 3: %v", k.AccessKeyID, seen[k.AccessKeyID], seen)
		}
	}
}

func TestBareServer(t *testing.T) {
	b, err := StartBareServer("application/json;charset=utf-8", []byte(assumeRoleBody))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rpc := &RPC{Endpoint: b.Addr, Version: "2015-04-01", Action: "AssumeRole", Params: map[string]string{"RoleArn": "a", "RoleSessionName": "bench"}, Keys: []signature.Credentials{testKey}}
	res, err := Run(context.Background(), Target{Client: NewClient(2), NewRequest: rpc.NewRequest, Check: CheckRPC(AssumeRoleOK)},
		Options{Clients: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 {
		t.Errorf("bare server: %d requests, %d errors %v", res.Requests, res.Errors, res.ErrorCodes)
	}
	resp, err := http.Get("http://" + b.Addr + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != assumeRoleBody || resp.Header.Get("Content-Type") != "application/json;charset=utf-8" {
		t.Errorf("bare answer %q (%s)", got, resp.Header.Get("Content-Type"))
	}
}

func TestSortedErrorCodes(t *testing.T) {
	r := &Result{ErrorCodes: map[string]int64{"b": 2, "a": 2, "c": 5}}
	if got := strings.Join(r.SortedErrorCodes(), ","); got != "c,a,b" {
		t.Errorf("order %s", got)
	}
}

func BenchmarkNewRPCRequest(b *testing.B) {
	rpc := &RPC{Endpoint: "127.0.0.1:18080", Version: "2015-04-01", Action: "AssumeRole",
		Params: map[string]string{"RoleArn": "acs:ram::1000000000000002:role/bench-role", "RoleSessionName": "bench"}, Keys: []signature.Credentials{testKey}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rpc.NewRequest(0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckAssumeRole(b *testing.B) {
	check := CheckRPC(AssumeRoleOK)
	body := []byte(assumeRoleBody)
	b.ReportAllocs()
	for b.Loop() {
		if code := check(200, nil, body); code != "" {
			b.Fatal(code)
		}
	}
}
