package datadir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// MaxPrivateFile bounds what ReadPrivateFile and this package read from
// the directory: secrets and state files are far smaller.
const MaxPrivateFile = 64 << 10

// WriteFileAtomic replaces the file at path with data and mode perm, so
// that a reader (or a crash) sees either the old content or all of the new:
// it writes a temporary file in the same directory, syncs it, renames it
// over path and syncs the directory. The mode is set explicitly, whatever
// the umask. On error the temporary file is removed and path is unchanged.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		// EINVAL: the file system cannot sync directories; nothing to do.
		return err
	}
	return nil
}

// ReadPrivateFile reads a secret: a regular file (not a symlink) of at most
// MaxPrivateFile bytes that group and others cannot access. A missing file
// gives an error wrapping fs.ErrNotExist; a file with looser permissions a
// *PermissionsError, and it is not read.
func ReadPrivateFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link; localyun keeps secrets only in regular files: replace it with the file itself", path)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: move it away", path)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return nil, &PermissionsError{Path: path, Mode: mode, Want: 0o600, Owner: ownerOf(fi), Me: os.Geteuid()}
	}
	return readLimited(f, path)
}

// readFile reads a small state file that need not be private, such as a
// certificate or the addresses file, bounded like ReadPrivateFile.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path)
}

func readLimited(f *os.File, path string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, MaxPrivateFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPrivateFile {
		return nil, fmt.Errorf("%s is larger than %d bytes: it is not a localyun file", path, MaxPrivateFile)
	}
	return data, nil
}
