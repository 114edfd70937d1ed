package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
	"time"
)

// Listen creates the admin socket at socketPath and listens on it.
//
// The socket gets mode 0600 before the listener is returned, so before the
// first Accept. (Between bind and chmod it has the umask's mode; the data
// directory, 0700, and the token cover that instant.) A stale socket left
// by a server that died is removed first; a socket on which a process
// still accepts connections is refused, and so is anything at socketPath
// that is not a socket, which is never removed. Closing the listener
// removes the socket file.
func Listen(socketPath string) (net.Listener, error) {
	if err := removeStaleSocket(socketPath); err != nil {
		return nil, err
	}
	var ln *net.UnixListener
	err := withSocketAddr(socketPath, func(addr string) error {
		var err error
		ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: addr, Net: "unix"})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	// The address may be a /proc path that is gone after bind: remove the
	// file by its real path instead (see listener.Close).
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(socketPath, 0o600); err != nil {
		ln.Close()
		os.Remove(socketPath)
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	fi, err := os.Lstat(socketPath)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return &listener{UnixListener: ln, path: socketPath, file: fi}, nil
}

// removeStaleSocket clears path for a new socket: nothing there is fine, a
// socket nobody accepts on is removed, anything else is refused.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; localyun will not remove it: move it away, or use another --data-dir", path)
	}
	err = withSocketAddr(path, func(addr string) error {
		conn, err := net.DialTimeout("unix", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	})
	if err == nil {
		return fmt.Errorf("a process is accepting connections on %s: stop it (another localyun server?) before starting this one", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale admin socket: %w", err)
	}
	return nil
}

// listener reports the socket's real path as its address and removes the
// socket file on Close, unless another socket has replaced it.
type listener struct {
	*net.UnixListener
	path string
	file fs.FileInfo
	once sync.Once
}

func (l *listener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *listener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() {
		if fi, serr := os.Lstat(l.path); serr == nil && os.SameFile(fi, l.file) {
			os.Remove(l.path)
		}
	})
	return err
}
