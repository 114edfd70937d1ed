package datadir

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func TestMasterKeyCreatedOnceAndKept(t *testing.T) {
	path := t.TempDir()
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d.Rand = bytes.NewReader(bytes.Repeat([]byte{7}, 64))
	key, err := d.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, bytes.Repeat([]byte{7}, MasterKeySize)) {
		t.Fatalf("key = %x, want the injected randomness", key)
	}
	wantMode(t, d.Path(MasterKeyFile), 0o600)
	again, err := d.MasterKey()
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second call: %x, %v", again, err)
	}
	d.Close()

	d, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Rand = iotest.ErrReader(errors.New("must not be used"))
	reopened, err := d.MasterKey()
	if err != nil || !bytes.Equal(reopened, key) {
		t.Fatalf("after reopen: %x, %v", reopened, err)
	}
}

func TestMasterKeyLooseModeRefused(t *testing.T) {
	d := open(t)
	key, err := d.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	path := d.Path(MasterKeyFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = d.MasterKey()
	var pe *PermissionsError
	if !errors.As(err, &pe) || !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want a *PermissionsError", err)
	}
	if !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("error %q should say how to fix it", err)
	}
	if got := readAll(t, path); !bytes.Equal(got, key) {
		t.Error("the refused key file was changed")
	}
	wantMode(t, path, 0o644)
}

func TestMasterKeyDamagedRefused(t *testing.T) {
	d := open(t)
	path := d.Path(MasterKeyFile)
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.MasterKey(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v, want 'damaged'", err)
	}
	if got := readAll(t, path); string(got) != "short" {
		t.Error("the damaged key file was replaced")
	}
}

func TestMasterKeySymlinkRefused(t *testing.T) {
	d := open(t)
	target := d.Path("elsewhere")
	if err := os.WriteFile(target, bytes.Repeat([]byte{1}, MasterKeySize), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, d.Path(MasterKeyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.MasterKey(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v, want a symlink refusal", err)
	}
}

func TestMasterKeyRandomnessFailure(t *testing.T) {
	d := open(t)
	d.Rand = io.LimitReader(bytes.NewReader(make([]byte, 64)), 10)
	if _, err := d.MasterKey(); err == nil {
		t.Fatal("MasterKey succeeded with too little randomness")
	}
	if _, err := os.Lstat(d.Path(MasterKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("key file after failure: %v", err)
	}
}
