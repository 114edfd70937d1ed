package admin

import (
	"fmt"
	"os"
	"path/filepath"
)

// maxSocketPath is the longest socket path bind(2) and connect(2) accept
// everywhere: sun_path holds 104 bytes on the BSDs and macOS (108 on
// Linux), including the terminating NUL.
const maxSocketPath = 103

// withSocketAddr calls fn with an address for the unix socket at path.
// A path too long for sun_path (a deep --data-dir) is reached through the
// directory's descriptor, /proc/self/fd/N/<name>, on systems that have it;
// the descriptor stays open while fn runs. Elsewhere a long path is an
// error that says to choose a shorter data directory.
func withSocketAddr(path string, fn func(addr string) error) error {
	if len(path) <= maxSocketPath {
		return fn(path)
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	fdDir := fmt.Sprintf("/proc/self/fd/%d", dir.Fd())
	addr := fdDir + "/" + filepath.Base(path)
	if _, err := os.Stat(fdDir); err != nil || len(addr) > maxSocketPath {
		return fmt.Errorf("the admin socket path %s is %d bytes long, more than unix sockets allow (%d): use a shorter --data-dir",
			path, len(path), maxSocketPath)
	}
	return fn(addr)
}
