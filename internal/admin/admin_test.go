package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/datadir"
)

type echoRequest struct {
	Name string `json:"name"`
}

type echoResponse struct {
	Greeting string `json:"greeting"`
}

// testRoutes are the routes every test server serves.
func testRoutes() map[string]HandlerFunc {
	return map[string]HandlerFunc{
		"echo": func(_ context.Context, raw json.RawMessage) (any, error) {
			var req echoRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, apierr.InvalidParameter("body", err.Error())
			}
			return echoResponse{Greeting: "hello " + req.Name}, nil
		},
		"nothing": func(context.Context, json.RawMessage) (any, error) { return nil, nil },
		"refuse": func(context.Context, json.RawMessage) (any, error) {
			err := apierr.New(409, "EntityAlreadyExists.Account", "The account already exists.").
				WithRecommend("choose another name")
			return nil, fmt.Errorf("create account: %w", err)
		},
		"fail": func(context.Context, json.RawMessage) (any, error) {
			return nil, errors.New("disk /var/secret/x exploded")
		},
		"panic": func(context.Context, json.RawMessage) (any, error) { panic("boom /var/secret/y") },
	}
}

// server is a running admin server in its own data directory.
type server struct {
	dir    string
	socket string
	token  string
}

// startServer serves testRoutes on a real unix socket in dir (a fresh
// t.TempDir when dir is "") until the test ends.
func startServer(t *testing.T, dir string) server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s := server{dir: dir, socket: filepath.Join(dir, SocketFile)}
	var err error
	s.token, err = LoadOrCreateToken(filepath.Join(dir, TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(s.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(s.token, testRoutes()), nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

func dial(t *testing.T, dir string) *Client {
	t.Helper()
	c, err := Dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// raw sends a request with the given Authorization header straight over
// the socket, bypassing Client.
func raw(t *testing.T, socket, method, path, auth, body string) (int, errorBody) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(method, "http://admin"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var eb errorBody
	if res.StatusCode != http.StatusOK {
		if err := json.Unmarshal(data, &eb); err != nil {
			t.Fatalf("error body %q: %v", data, err)
		}
	}
	return res.StatusCode, eb
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	s := startServer(t, "")
	c := dial(t, s.dir)
	var resp echoResponse
	if err := c.Call(context.Background(), "echo", echoRequest{Name: "admin"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Greeting != "hello admin" {
		t.Fatalf("resp = %+v", resp)
	}
	// No request, no result, and a nil result.
	if err := c.Call(context.Background(), "echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := c.Call(context.Background(), "nothing", nil, &got); err != nil || len(got) != 0 {
		t.Fatalf("nothing: %v, %v", got, err)
	}
}

func TestDialUsesAddressesFile(t *testing.T) {
	// The server's socket lives elsewhere; the data directory's addresses
	// file points at it.
	s := startServer(t, "")
	dataDir := t.TempDir()
	d, err := datadir.Open(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteAddresses(datadir.Addresses{Admin: s.socket}); err != nil {
		t.Fatal(err)
	}
	var resp echoResponse
	if err := dial(t, dataDir).Call(context.Background(), "echo", echoRequest{Name: "x"}, &resp); err != nil {
		t.Fatal(err)
	}
}

func TestModes(t *testing.T) {
	s := startServer(t, "")
	fi, err := os.Lstat(s.socket)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		t.Errorf("%s is %v, not a socket", s.socket, fi.Mode())
	}
	wantMode(t, s.socket, 0o600)
	wantMode(t, filepath.Join(s.dir, TokenFile), 0o600)
}

func TestWrongOrMissingToken(t *testing.T) {
	s := startServer(t, "")
	for _, auth := range []string{"", "Bearer ", "Bearer wrong", "Bearer " + s.token + "x", "Basic " + s.token, "bearer " + s.token} {
		// An unknown route too: routing comes after authentication.
		for _, path := range []string{"/v1/echo", "/v1/nope"} {
			status, eb := raw(t, s.socket, "POST", path, auth, "{}")
			if status != http.StatusUnauthorized || eb.Code != "Unauthorized" {
				t.Errorf("%q %s: %d %+v, want 401", auth, path, status, eb)
			}
			if eb.Recommend != "" || strings.Contains(eb.Message, "nope") {
				t.Errorf("401 gives detail: %+v", eb)
			}
		}
	}
	if status, _ := raw(t, s.socket, "POST", "/v1/echo", "Bearer "+s.token, "{}"); status != http.StatusOK {
		t.Errorf("right token: %d", status)
	}

	// A client whose token file no longer matches gets an *apierr.Error.
	if err := os.WriteFile(filepath.Join(s.dir, TokenFile), []byte(strings.Repeat("ab", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	err := dial(t, s.dir).Call(context.Background(), "echo", nil, nil)
	e := apierr.As(err)
	if e == nil || e.Status != http.StatusUnauthorized || e.Code != "Unauthorized" {
		t.Fatalf("err = %v, want a 401 *apierr.Error", err)
	}
}

func TestEmptyTokenAuthenticatesNobody(t *testing.T) {
	dir := t.TempDir()
	ln, err := Listen(filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler("", testRoutes()), nil)
	go srv.Serve(ln)
	defer srv.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if status, _ := raw(t, filepath.Join(dir, "s"), "POST", "/v1/echo", auth, "{}"); status != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, status)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	s := startServer(t, "")
	auth := "Bearer " + s.token
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/v1/nope", "{}", 404, "UnknownCall"},
		{"POST", "/echo", "{}", 404, "UnknownCall"},
		{"POST", "/v1/", "{}", 404, "UnknownCall"},
		{"POST", "/v1/echo/x", "{}", 404, "UnknownCall"},
		{"GET", "/v1/echo", "", 405, "MethodNotAllowed"},
		{"POST", "/v1/echo", "{", 400, "MalformedJSON"},
		{"POST", "/v1/echo", `{"name":"` + strings.Repeat("x", MaxRequestBody) + `"}`, 413, "RequestTooLarge"},
		{"POST", "/v1/echo", `{"name":1}`, 400, "InvalidParameter"},
		{"POST", "/v1/echo", "", 200, ""},
		{"POST", "/v1/echo", `{"name":"` + strings.Repeat("x", MaxRequestBody-20) + `"}`, 200, ""},
	} {
		status, eb := raw(t, s.socket, tc.method, tc.path, auth, tc.body)
		if status != tc.status || eb.Code != tc.code {
			t.Errorf("%s %s (%d bytes): %d %s, want %d %s", tc.method, tc.path, len(tc.body), status, eb.Code, tc.status, tc.code)
		}
	}
}

func TestHandlerErrorsReachClient(t *testing.T) {
	s := startServer(t, "")
	c := dial(t, s.dir)
	ctx := context.Background()

	err := c.Call(ctx, "refuse", nil, nil)
	e := apierr.As(err)
	if e == nil {
		t.Fatalf("err = %v (%T), want *apierr.Error", err, err)
	}
	if e.Code != "EntityAlreadyExists.Account" || e.Status != 409 || e.Message != "The account already exists." || e.Recommend != "choose another name" {
		t.Errorf("err = %+v", e)
	}

	for _, name := range []string{"fail", "panic"} {
		e := apierr.As(c.Call(ctx, name, nil, nil))
		if e == nil || e.Code != "InternalError" || e.Status != 500 {
			t.Fatalf("%s: err = %v, want InternalError", name, e)
		}
		if strings.Contains(e.Error(), "secret") {
			t.Errorf("%s: internal text reached the client: %v", name, e)
		}
	}

	e = apierr.As(c.Call(ctx, "missing", nil, nil))
	if e == nil || e.Status != 404 || e.Code != "UnknownCall" {
		t.Fatalf("unknown call: %v", e)
	}
	// The server still answers after a handler panicked.
	if err := c.Call(ctx, "echo", nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestNoServerRunning(t *testing.T) {
	for name, dir := range map[string]string{
		"empty directory":   t.TempDir(),
		"missing directory": filepath.Join(t.TempDir(), "nope"),
	} {
		_, err := Dial(dir)
		var nr *NotRunningError
		if !errors.As(err, &nr) || !errors.Is(err, ErrNotRunning) {
			t.Fatalf("%s: err = %v, want *NotRunningError", name, err)
		}
		if want := "localyun serve --data-dir " + dir; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", name, err, want)
		}
	}

	// The server stops after Dial: Call says so too.
	dir := t.TempDir()
	token, err := LoadOrCreateToken(filepath.Join(dir, TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(filepath.Join(dir, SocketFile))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(token, testRoutes()), nil)
	go srv.Serve(ln)
	c, err := Dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// One answered call first: Serve is then running, so Close closes
	// the listener (a Close before Serve starts would leave it to Serve).
	if err := c.Call(context.Background(), "echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := c.Call(context.Background(), "echo", nil, nil); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("after stop: err = %v, want ErrNotRunning", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, SocketFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after the listener closed: %v", err)
	}
}

func TestListenRefusesNonSocket(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, sub, link} {
		ln, err := Listen(path)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%s) succeeded", path)
			continue
		}
		if !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("Listen(%s): %v", path, err)
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep me" {
		t.Errorf("file after Listen: %q, %v", b, err)
	}
	for _, path := range []string{sub, link} {
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("%s removed: %v", path, err)
		}
	}
}

func TestListenReplacesStaleSocketOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admin.sock")

	// A socket left by a server that died: nobody accepts on it.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	defer ln.Close()
	if ln.Addr().String() != path {
		t.Errorf("Addr = %s", ln.Addr())
	}

	// A live one is left alone.
	if second, err := Listen(path); err == nil {
		second.Close()
		t.Fatal("Listen replaced a live socket")
	} else if !strings.Contains(err.Error(), "accepting connections") {
		t.Errorf("live socket: %v", err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("live socket removed: %v", err)
	}
}

func TestLongSocketPath(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("long socket paths need /proc/self/fd")
	}
	dir := t.TempDir()
	for i := range 3 {
		dir = filepath.Join(dir, fmt.Sprintf("%d-%s", i, strings.Repeat("d", 60)))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, dir)
	if len(s.socket) <= maxSocketPath {
		t.Fatalf("socket path only %d bytes", len(s.socket))
	}
	wantMode(t, s.socket, 0o600)
	var resp echoResponse
	if err := dial(t, dir).Call(context.Background(), "echo", echoRequest{Name: "long"}, &resp); err != nil || resp.Greeting != "hello long" {
		t.Fatalf("Call = %+v, %v", resp, err)
	}
}

func TestToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), TokenFile)
	tok, err := LoadOrCreateToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 64 || !validToken(tok) {
		t.Fatalf("token %q", tok)
	}
	wantMode(t, path, 0o600)
	again, err := LoadOrCreateToken(path)
	if err != nil || again != tok {
		t.Fatalf("second load: %q, %v", again, err)
	}
	other, err := LoadOrCreateToken(filepath.Join(t.TempDir(), "t"))
	if err != nil || other == tok {
		t.Fatalf("another token: %q, %v", other, err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateToken(path); !errors.Is(err, datadir.ErrInsecure) {
		t.Fatalf("0644 token: err = %v, want ErrInsecure", err)
	}
	if err := os.WriteFile(path, []byte("nonsense"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateToken(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged token: err = %v", err)
	}
}
