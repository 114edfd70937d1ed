package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"syscall"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/datadir"
)

// MaxResponseBody is the largest answer a Client reads.
const MaxResponseBody = 64 << 20

// dialTimeout bounds connecting to the socket; the call itself is bounded
// by the caller's context.
const dialTimeout = 5 * time.Second

// Client calls the admin API of the server using one data directory. It is
// safe for concurrent use.
type Client struct {
	dataDir string
	socket  string
	token   string
	http    *http.Client
}

// Dial finds the admin socket of the server using dataDir (the address the
// server recorded in its addresses file, else SocketFile in dataDir) and
// the token next to it (TokenFile), and checks that a server answers. When
// none does, the error is a *NotRunningError (wrapping ErrNotRunning) that
// says how to start one.
func Dial(dataDir string) (*Client, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(abs, SocketFile)
	if a, err := datadir.ReadAddresses(abs); err == nil && a.Admin != "" {
		socket = a.Admin
	}
	c := &Client{dataDir: abs, socket: socket}
	conn, err := c.dial(context.Background())
	if err != nil {
		return nil, err
	}
	conn.Close()
	c.token, err = readToken(filepath.Join(filepath.Dir(socket), TokenFile))
	if err != nil {
		return nil, err
	}
	c.http = &http.Client{Transport: &http.Transport{
		// No proxy: the environment's HTTP_PROXY must never see the token.
		Proxy: nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return c.dial(ctx)
		},
		MaxIdleConns:       2,
		IdleConnTimeout:    30 * time.Second,
		DisableCompression: true,
	}}
	return c, nil
}

// dial connects to the socket, reporting a missing socket or one nobody
// accepts on as NotRunningError.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var conn net.Conn
	err := withSocketAddr(c.socket, func(addr string) error {
		d := net.Dialer{Timeout: dialTimeout}
		var err error
		conn, err = d.DialContext(ctx, "unix", addr)
		return err
	})
	switch {
	case err == nil:
		return conn, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return nil, &NotRunningError{DataDir: c.dataDir}
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("cannot connect to the admin socket %s: %w: run this command as the user who started the server", c.socket, err)
	default:
		return nil, fmt.Errorf("cannot connect to the admin socket %s: %w", c.socket, err)
	}
}

// Call calls name with req encoded as JSON (nil sends {}) and decodes the
// answer into resp (nil discards it). The context bounds the whole call.
//
// An error answer is returned as an *apierr.Error with the server's code,
// HTTP status, message and recommendation; a stopped server as a
// *NotRunningError; anything else (transport, encoding) as a plain error.
func (c *Client) Call(ctx context.Context, name string, req, resp any) error {
	body := []byte("{}")
	if req != nil {
		var err error
		if body, err = json.Marshal(req); err != nil {
			return fmt.Errorf("admin call %s: encode request: %w", name, err)
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localyun-admin/v1/"+url.PathEscape(name), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("admin call %s: %w", name, err)
	}
	hreq.Header.Set("Authorization", "Bearer "+c.token)
	hreq.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(hreq)
	if err != nil {
		if nr := (*NotRunningError)(nil); errors.As(err, &nr) {
			return nr
		}
		// A server stopping while the request was under way resets it:
		// a connection accepted into the backlog is dropped unanswered.
		if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
			return &NotRunningError{DataDir: c.dataDir}
		}
		return fmt.Errorf("admin call %s: %w", name, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBody+1))
	if err != nil {
		return fmt.Errorf("admin call %s: read answer: %w", name, err)
	}
	if len(data) > MaxResponseBody {
		return fmt.Errorf("admin call %s: the answer is larger than %d bytes", name, MaxResponseBody)
	}
	if res.StatusCode != http.StatusOK {
		return c.answerError(name, res.StatusCode, data)
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("admin call %s: decode answer: %w", name, err)
	}
	return nil
}

// answerError decodes an error answer.
func (c *Client) answerError(name string, status int, data []byte) error {
	var b errorBody
	if err := json.Unmarshal(data, &b); err != nil || b.Code == "" {
		return fmt.Errorf("admin call %s: unexpected HTTP %d from %s: is a localyun server of the same version listening there?", name, status, c.socket)
	}
	e := &apierr.Error{Code: b.Code, Status: status, Message: b.Message, Recommend: b.Recommend}
	if status == http.StatusUnauthorized && e.Recommend == "" {
		e.Recommend = fmt.Sprintf("the token in %s is not the running server's; was the data directory changed while it runs? Restart the server",
			filepath.Join(filepath.Dir(c.socket), TokenFile))
	}
	return e
}

// Close releases idle connections. The Client must not be used afterwards.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}
