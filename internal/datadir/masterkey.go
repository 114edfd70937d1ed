package datadir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// MasterKeySize is the length of the master key in bytes.
const MasterKeySize = 32

// MasterKey returns the server's master key: MasterKeySize random bytes
// kept in MasterKeyFile (mode 0600), created on the first call.
//
// The key is created only when the file does not exist. A key file that
// group or others can read is refused (*PermissionsError), and one of the
// wrong size is reported as damaged: in both cases nothing is replaced,
// because secrets derived from the old key would silently stop working.
// The caller owns the returned slice.
func (d *Dir) MasterKey() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	path := d.Path(MasterKeyFile)
	key, err := ReadPrivateFile(path)
	switch {
	case err == nil:
		if len(key) != MasterKeySize {
			return nil, fmt.Errorf("master key file %s holds %d bytes, not %d: it is damaged; restore it from a backup (secrets derived from it cannot be recovered without it)",
				path, len(key), MasterKeySize)
		}
		return key, nil
	case errors.Is(err, fs.ErrNotExist):
		key = make([]byte, MasterKeySize)
		if _, err := io.ReadFull(d.rand(), key); err != nil {
			return nil, fmt.Errorf("generate master key: %w", err)
		}
		if err := WriteFileAtomic(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("save master key: %w", err)
		}
		return key, nil
	default:
		return nil, fmt.Errorf("master key: %w", err)
	}
}
