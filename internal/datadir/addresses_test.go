package datadir

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestAddressesRoundTrip(t *testing.T) {
	path := t.TempDir()
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Addresses{HTTP: "127.0.0.1:38211", HTTPS: "127.0.0.1:38212", Admin: d.Path("admin.sock")}
	if err := d.WriteAddresses(want); err != nil {
		t.Fatal(err)
	}
	wantMode(t, d.Path(AddressesFile), 0o600)
	got, err := ReadAddresses(path)
	if err != nil || got != want {
		t.Fatalf("ReadAddresses = %+v, %v; want %+v", got, err, want)
	}
	raw := string(readAll(t, d.Path(AddressesFile)))
	for _, key := range []string{`"http": "127.0.0.1:38211"`, `"https"`, `"admin"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("addresses file %s lacks %s", raw, key)
		}
	}
	if strings.Contains(raw, "postgres") {
		t.Errorf("an off listener is listed: %s", raw)
	}

	// Close removes the file: the listeners are gone.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = ReadAddresses(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "localyun serve --data-dir "+path) {
		t.Fatalf("after Close: err = %v, want ErrNotExist saying how to start a server", err)
	}
}

func TestStaleAddressesRemovedOnOpen(t *testing.T) {
	path := t.TempDir()
	if err := os.WriteFile(path+"/"+AddressesFile, []byte(`{"http":"127.0.0.1:1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := ReadAddresses(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale addresses survived Open: %v", err)
	}
}

func TestReadAddressesDamaged(t *testing.T) {
	path := t.TempDir()
	if err := os.WriteFile(path+"/"+AddressesFile, []byte(`{"http":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAddresses(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v, want 'damaged'", err)
	}
	// Unknown fields from a newer server are ignored.
	if err := os.WriteFile(path+"/"+AddressesFile, []byte(`{"http":"h:1","console":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := ReadAddresses(path); err != nil || a.HTTP != "h:1" {
		t.Fatalf("ReadAddresses = %+v, %v", a, err)
	}
}
