package pgcluster

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewManagerRefuses(t *testing.T) {
	t.Parallel()
	t.Run("no base directory", func(t *testing.T) {
		if _, err := NewManager(Options{}); err == nil || !strings.Contains(err.Error(), "BaseDir") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no binaries", func(t *testing.T) {
		_, err := NewManager(Options{BaseDir: reachableTempDir(t), BinDir: "/nonexistent/bin"})
		wantErrIs(t, err, ErrNoPostgres, "apt-get install postgresql", "--pg-bin DIR", "/nonexistent/bin")
	})
	t.Run("socket base too long", func(t *testing.T) {
		requirePostgres(t)
		_, err := NewManager(Options{BaseDir: reachableTempDir(t), SocketBase: "/tmp/" + strings.Repeat("s", 30)})
		if err == nil || !strings.Contains(err.Error(), "107 bytes") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("socket base of someone else", func(t *testing.T) {
		requirePostgres(t)
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory away")
		}
		sb := filepath.Join("/tmp", "ly-"+filepath.Base(t.TempDir()))
		if err := os.Mkdir(sb, 0o777); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(sb)
		if err := os.Chown(sb, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		_, err := NewManager(Options{BaseDir: reachableTempDir(t), SocketBase: sb})
		if err == nil || !strings.Contains(err.Error(), "someone else") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("base directory in use", func(t *testing.T) {
		requirePostgres(t)
		base := reachableTempDir(t)
		newManager(t, Options{BaseDir: base})
		_, err := NewManager(Options{BaseDir: base})
		wantErrIs(t, err, ErrInUse, base)
	})
	t.Run("root", func(t *testing.T) {
		requirePostgres(t)
		if os.Geteuid() != 0 {
			t.Skip("not root")
		}
		_, err := NewManager(Options{BaseDir: reachableTempDir(t), RunAs: "root"})
		if err == nil || !strings.Contains(err.Error(), "refuses to run as root") {
			t.Errorf("RunAs root: %v", err)
		}
		_, err = NewManager(Options{BaseDir: reachableTempDir(t), RunAs: "no-such-user-x"})
		if err == nil || !strings.Contains(err.Error(), "useradd") {
			t.Errorf("RunAs a missing user: %v", err)
		}
		// Under a directory only root can enter, as localyun's data
		// directory is.
		private := t.TempDir()
		if err := os.Chmod(private, 0o700); err != nil {
			t.Fatal(err)
		}
		m, err := NewManager(Options{BaseDir: filepath.Join(private, "clusters")})
		if err == nil {
			m.Close(t.Context()) //nolint:errcheck // wrongly made
		}
		if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "mode 0700") {
			t.Errorf("unreachable base: %v", err)
		}
	})
	t.Run("ids", func(t *testing.T) {
		for _, id := range []string{"", "-a", "a/b", "..", "a b", strings.Repeat("x", MaxIDLen+1)} {
			if checkID(id) == nil {
				t.Errorf("id %q accepted", id)
			}
		}
		for _, id := range []string{"a", "hgpostcn-cn-abc123", "A_b-9", strings.Repeat("x", MaxIDLen)} {
			if err := checkID(id); err != nil {
				t.Errorf("id %q: %v", id, err)
			}
		}
	})
}

func TestDefaults(t *testing.T) {
	if MaxSocketBaseLen < len("/tmp/localyun-0123456789") {
		t.Fatalf("MaxSocketBaseLen = %d leaves no room for the default", MaxSocketBaseLen)
	}
	if v, major, ok := parseVersion("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"); !ok || v != "15.18" || major != 15 {
		t.Errorf("parseVersion = %q %d %v", v, major, ok)
	}
	if v, major, ok := parseVersion("initdb (PostgreSQL) 17beta1\n"); !ok || v != "17" || major != 17 {
		t.Errorf("parseVersion = %q %d %v", v, major, ok)
	}
	if _, _, ok := parseVersion("something else"); ok {
		t.Error("parsed a non-version")
	}
	if Status(42).String() != "Status(42)" || Failed.String() != "Failed" || Status(0) != Absent {
		t.Error("Status names")
	}
	if got := DefaultBaseDir("/srv/ly"); os.Geteuid() == 0 && (!strings.HasPrefix(got, "/var/lib/localyun-pgcluster/") || len(got) != len("/var/lib/localyun-pgcluster/")+12) ||
		os.Geteuid() != 0 && got != "/srv/ly/pgcluster" {
		t.Errorf("DefaultBaseDir = %s", got)
	}
	m := &Manager{o: Options{SocketBase: "/tmp/s"}}
	if got := m.DSN("x", `o'd\`, "db"); got != `host='/tmp/s/x' port='5432' user='o\'d\\' dbname='db' sslmode='disable'` {
		t.Errorf("DSN = %s", got)
	}
}

func TestLogSink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "postgres.log")
	s, err := openLogSink(path, func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for i := range logTailLines + 5 {
		in.WriteString("line " + strings.Repeat("x", i) + "\n")
	}
	in.WriteString(strings.Repeat("y", logReadBuf+10) + "\n") // longer than the read buffer
	big := strings.Repeat("z", 1<<20) + "\n"
	for range LogMaxBytes/len(big) + 1 {
		in.WriteString(big)
	}
	in.WriteString("last words") // no newline
	s.consume(io.NopCloser(&in))

	tail := s.Tail(3)
	if len(tail) != 3 || tail[2] != "last words" || len(tail[1]) != logTailLineMax+len("…") || !strings.HasPrefix(tail[0], "zzz") {
		t.Errorf("tail = %.40q", tail)
	}
	if got := len(s.Tail(1000)); got != logTailLines {
		t.Errorf("kept %d lines", got)
	}
	cur, err1 := os.Stat(path)
	old, err2 := os.Stat(path + ".1")
	if err1 != nil || err2 != nil || cur.Size() > LogMaxBytes || old.Size() > LogMaxBytes || cur.Size() == 0 {
		t.Errorf("rotation: %v %v %v %v", cur, old, err1, err2)
	}

	var c cappedBuffer
	c.max = 10
	c.Write([]byte("a\n\nb\nccccccccc"))
	if got := c.lastLines(2); got != "b | ccccc" {
		t.Errorf("lastLines = %q", got)
	}
}
