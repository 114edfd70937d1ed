package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// Addresses are the addresses a running server's listeners are bound to,
// as written to AddressesFile. Empty fields are listeners that are off.
type Addresses struct {
	HTTP     string `json:"http,omitempty"`     // host:port
	HTTPS    string `json:"https,omitempty"`    // host:port
	Postgres string `json:"postgres,omitempty"` // host:port of the PostgreSQL-wire front end
	Admin    string `json:"admin,omitempty"`    // path of the admin unix socket
}

// WriteAddresses atomically replaces AddressesFile (mode 0600) with a. Call
// it once every listener is bound, so a client that finds the file can
// connect. Close removes the file.
func (d *Dir) WriteAddresses(a Addresses) error {
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := WriteFileAtomic(d.Path(AddressesFile), append(data, '\n'), 0o600); err != nil {
		return err
	}
	d.wroteAddrs = true
	return nil
}

// ReadAddresses reads the addresses of the server using the data directory
// dataDir. It needs no lock, so clients and tests call it while the server
// runs. When no server has written the file, or it stopped, the error wraps
// fs.ErrNotExist. Unknown fields are ignored.
func ReadAddresses(dataDir string) (Addresses, error) {
	path := filepath.Join(dataDir, AddressesFile)
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Addresses{}, fmt.Errorf("no localyun server is running with data directory %s (no %s): start one with `localyun serve --data-dir %s`: %w",
			dataDir, AddressesFile, dataDir, err)
	}
	if err != nil {
		return Addresses{}, err
	}
	var a Addresses
	if err := json.Unmarshal(data, &a); err != nil {
		return Addresses{}, fmt.Errorf("%s is damaged: %w; restart the server to rewrite it", path, err)
	}
	return a, nil
}
