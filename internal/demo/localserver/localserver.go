// Package localserver runs a localyun server inside the calling process, in
// a fresh data directory, for `localyun demo`: Start returns once the server
// answers, with its addresses; CreateAccount goes through the admin socket
// as `localyun account create` does; Stop shuts it down and removes the
// directories it created.
package localserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/datadir"
	"github.com/localyun/localyun/internal/server"
)

// Options configure the server.
type Options struct {
	// DataDir is the data directory; it must not exist or be empty. ""
	// makes a temporary one, removed by Stop.
	DataDir string
	// HoloPortMin and HoloPortMax bound the Hologres front ends' ports (0:
	// the server's default range).
	HoloPortMin, HoloPortMax int
	// LogLevel is the level of the server's log, written to server.log in
	// the data directory (default info).
	LogLevel slog.Level
	// StartTimeout bounds the start (default 60 s).
	StartTimeout time.Duration
}

// Server is a running in-process server.
type Server struct {
	// DataDir is the data directory; LogFile the server's log.
	DataDir, LogFile string
	// Temporary reports whether DataDir is removed by Stop.
	Temporary bool
	Addrs     datadir.Addresses

	cleanup []string // directories removed by Stop
	logFile *os.File
	cancel  context.CancelFunc
	exited  chan struct{} // closed when server.Run returns
	runErr  error         // what it returned
}

// ErrNotEmpty is returned for a data directory that already holds files:
// the demo needs a fresh one.
var ErrNotEmpty = errors.New("the data directory is not empty")

// Start starts the server and returns once it is ready. ctx bounds the
// start only; Stop ends the server.
func Start(ctx context.Context, o Options) (_ *Server, err error) {
	s := &Server{exited: make(chan struct{})}
	defer func() {
		if err != nil {
			s.removeAll()
		}
	}()
	cfg := server.Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", STSMinDuration: 900 * time.Second}
	cfg.Holo.PortMin, cfg.Holo.PortMax = o.HoloPortMin, o.HoloPortMax
	if o.DataDir == "" {
		root, err := os.MkdirTemp("", "localyun-demo-")
		if err != nil {
			return nil, err
		}
		s.cleanup = append(s.cleanup, root)
		s.Temporary = true
		s.DataDir = filepath.Join(root, "data")
		if os.Geteuid() == 0 {
			// As root the PostgreSQL clusters run as another user, who
			// must reach their directory: keep it beside the data
			// directory (which is 0700), so Stop removes it too.
			if err := os.Chmod(root, 0o755); err != nil {
				return nil, err
			}
			cfg.Holo.PGDir = filepath.Join(root, "pgcluster")
		}
	} else {
		s.DataDir = o.DataDir
		entries, err := os.ReadDir(o.DataDir)
		if err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("%s: %w: give a new directory, or none for a temporary one", o.DataDir, ErrNotEmpty)
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	cfg.DataDir = s.DataDir
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return nil, err
	}
	s.LogFile = filepath.Join(s.DataDir, "server.log")
	if s.logFile, err = os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return nil, err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(s.logFile, &slog.HandlerOptions{Level: o.LogLevel}))
	ready := make(chan datadir.Addresses, 1)
	cfg.Ready = func(a datadir.Addresses) { ready <- a }
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.runErr = server.Run(runCtx, cfg); close(s.exited) }()
	timeout := o.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	select {
	case s.Addrs = <-ready:
		return s, nil
	case <-s.exited:
		cancel()
		err := s.runErr
		if err == nil {
			err = errors.New("the server stopped while starting")
		}
		return nil, fmt.Errorf("starting the server: %w (log: %s)", err, s.LogFile)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(timeout):
		s.stop()
		return nil, fmt.Errorf("the server did not start within %s (log: %s)", timeout, s.LogFile)
	}
}

// Account is an account and its root AccessKey.
type Account = server.AccountCreateResponse

// CreateAccount creates an account through the admin socket.
func (s *Server) CreateAccount(ctx context.Context, name string) (Account, error) {
	var a Account
	c, err := admin.Dial(s.DataDir)
	if err != nil {
		return a, err
	}
	defer c.Close()
	err = c.Call(ctx, "account.create", server.AccountCreateRequest{Name: name}, &a)
	return a, err
}

// Exited is closed when the server has stopped, on its own (a listener
// failing) or by Stop; Err then says why.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Err is the server's exit error, once Exited is closed.
func (s *Server) Err() error {
	select {
	case <-s.exited:
		return s.runErr
	default:
		return nil
	}
}

// Stop shuts the server down (stopping its PostgreSQL clusters) and
// removes the directories Start created. It returns the server's exit
// error.
func (s *Server) Stop() error {
	err := s.stop()
	s.removeAll()
	return err
}

func (s *Server) stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	select {
	case <-s.exited:
		return s.runErr
	case <-time.After(60 * time.Second):
		return errors.New("the server did not stop within 60 s")
	}
}

func (s *Server) removeAll() {
	if s.logFile != nil {
		s.logFile.Close()
		s.logFile = nil
	}
	for _, d := range s.cleanup {
		os.RemoveAll(d)
	}
	s.cleanup = nil
}
