package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// confFile is written into every data directory at each start and
// included at the end of postgresql.conf.
const confFile = "localyun.conf"

// hbaConf is the whole pg_hba.conf: trust on the unix socket, nothing else.
// The socket directory is 0700 and belongs to the run-as user, so only that
// user and root (localyun) can connect; there is no TCP listener, and
// initdb's --auth-host=reject lines are dropped.
const hbaConf = `# Written by localyun (package pgcluster); edits are lost.
# Only the unix socket is served, in a directory only the cluster's user and
# root can reach, so trust there is the only rule. No TCP listener exists.
local all all trust
`

// Create makes a new cluster: initdb -E UTF8 --locale=C.UTF-8
// --auth-local=trust --auth-host=reject -U AdminRole, as the run-as user,
// into BaseDir/<id>/data (0700), then pg_hba.conf (hbaConf) and the
// include of localyun.conf. The status goes Creating → Stopped; it does
// not start the cluster. It returns an error wrapping ErrExists when the
// cluster exists; a directory left by a Create that did not finish is
// removed and done again. On failure nothing is left on disk and the
// status is Failed with initdb's last lines. Cancelling ctx kills initdb.
func (m *Manager) Create(ctx context.Context, id string) error {
	c, err := m.acquire(id)
	if err != nil {
		return err
	}
	defer c.op.Unlock()
	if m.diskStatus(id) != Absent {
		return fmt.Errorf("cluster %s: %w", id, ErrExists)
	}
	m.setStatus(c, Creating, "")
	if err := m.create(ctx, id); err != nil {
		os.RemoveAll(m.clusterDir(id)) //nolint:errcheck // best effort; Create starts by removing it again
		m.setStatus(c, Failed, err.Error())
		return err
	}
	m.setStatus(c, Stopped, "")
	return nil
}

func (m *Manager) create(ctx context.Context, id string) error {
	dir, data := m.clusterDir(id), m.dataDir(id)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the remains of an unfinished creation of cluster %s: %w", id, err)
	}
	for _, d := range []string{dir, data, filepath.Dir(m.LogPath(id))} {
		if err := m.mkdirOwned(d); err != nil {
			return fmt.Errorf("create cluster %s: %w", id, err)
		}
	}
	cmd := m.command(ctx, dir, "initdb", syscall.SIGKILL,
		"-D", data, "-E", "UTF8", "--locale=C.UTF-8",
		"--auth-local=trust", "--auth-host=reject",
		"-U", AdminRole, "--no-instructions")
	out := &cappedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	if err := m.runCmd(cmd); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("create cluster %s: initdb cancelled: %w", id, ctx.Err())
		}
		return fmt.Errorf("create cluster %s: initdb failed (%v): %s", id, err, out.lastLines(8))
	}
	if err := m.writeFile(filepath.Join(data, "pg_hba.conf"), []byte(hbaConf)); err != nil {
		return fmt.Errorf("create cluster %s: %w", id, err)
	}
	confPath := filepath.Join(data, "postgresql.conf")
	conf, err := os.ReadFile(confPath)
	if err != nil {
		return fmt.Errorf("create cluster %s: %w", id, err)
	}
	conf = append(conf, "\n# Added by localyun: its settings, rewritten at every start.\ninclude '"+confFile+"'\n"...)
	if err := m.writeFile(confPath, conf); err != nil {
		return fmt.Errorf("create cluster %s: %w", id, err)
	}
	if err := m.writeConf(id); err != nil {
		return fmt.Errorf("create cluster %s: %w", id, err)
	}
	if err := m.writeFile(m.markerPath(id), []byte("PostgreSQL "+strconv.Itoa(m.major)+"\n")); err != nil {
		return fmt.Errorf("create cluster %s: %w", id, err)
	}
	return nil
}

// settings are the cluster's configuration. The security-relevant ones
// (securityArgs) are also passed on the command line, which, unlike this
// file, ALTER SYSTEM cannot override.
func (m *Manager) settings(id string) [][2]string {
	return [][2]string{
		// Reachable only over the private socket.
		{"listen_addresses", "''"},
		{"unix_socket_directories", quoteConf(m.SocketDir(id))},
		{"unix_socket_permissions", "0700"},
		{"unix_socket_group", "''"},
		{"port", strconv.Itoa(Port)},
		{"ssl", "off"},
		{"password_encryption", "'scram-sha-256'"},
		// No WAL leaves the cluster: no archiving, no replication.
		{"archive_mode", "off"},
		{"wal_level", "minimal"},
		{"max_wal_senders", "0"},
		{"max_replication_slots", "0"},
		{"shared_preload_libraries", "''"},
		// Small: many clusters share a laptop or a CI runner.
		{"max_connections", strconv.Itoa(MaxConnections)},
		{"superuser_reserved_connections", strconv.Itoa(ReservedConnections)},
		{"shared_buffers", "'32MB'"},
		{"work_mem", "'4MB'"},
		{"maintenance_work_mem", "'32MB'"},
		{"min_wal_size", "'32MB'"},
		{"max_wal_size", "'256MB'"},
		{"jit", "off"},
		// Logs go to stderr, which the Manager writes to LogPath(id),
		// rotated. Failed statements are not logged (they may hold
		// passwords), nor connections.
		{"logging_collector", "off"},
		{"log_destination", "'stderr'"},
		{"log_line_prefix", "'%m [%p] %q%u@%d '"},
		{"log_timezone", "'UTC'"},
		{"log_min_messages", "warning"},
		{"log_min_error_statement", "panic"},
		{"log_connections", "off"},
		{"log_disconnections", "off"},
		{"log_statement", "'none'"},
		{"cluster_name", quoteConf("localyun-" + id)},
	}
}

// securityArgs are the command-line settings of postgres: where it may be
// reached. A value here wins over postgresql.conf and
// postgresql.auto.conf (ALTER SYSTEM).
func (m *Manager) securityArgs(id string) []string {
	return []string{
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + m.SocketDir(id),
		"-c", "unix_socket_permissions=0700",
		"-c", "unix_socket_group=",
		"-c", "port=" + strconv.Itoa(Port),
		"-c", "ssl=off",
		"-c", "hba_file=" + filepath.Join(m.dataDir(id), "pg_hba.conf"),
		"-c", "archive_mode=off",
		"-c", "max_wal_senders=0",
	}
}

func quoteConf(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// writeConf (re)writes localyun.conf.
func (m *Manager) writeConf(id string) error {
	var b strings.Builder
	b.WriteString("# Written by localyun (package pgcluster) at every start; edits are lost.\n")
	for _, kv := range m.settings(id) {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
	}
	return m.writeFile(filepath.Join(m.dataDir(id), confFile), []byte(b.String()))
}

// writeFile replaces path atomically with data (0600, the run-as user's).
func (m *Manager) writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = m.chown(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp) //nolint:errcheck // best effort
	}
	return err
}

// Delete stops the cluster when it runs, then removes its directory and
// its socket directory; the status becomes Absent. Deleting a cluster that
// does not exist succeeds.
func (m *Manager) Delete(ctx context.Context, id string) error {
	c, err := m.acquire(id)
	if err != nil {
		return err
	}
	defer c.op.Unlock()
	if err := m.stopLocked(ctx, c); err != nil {
		return fmt.Errorf("delete cluster %s: %w", id, err)
	}
	// A postmaster left by an earlier localyun must not keep running on
	// removed files.
	if err := m.clearStale(ctx, id); err != nil {
		return fmt.Errorf("delete cluster %s: %w", id, err)
	}
	if err := os.RemoveAll(m.clusterDir(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.setStatus(c, Failed, "delete: "+err.Error())
		return fmt.Errorf("delete cluster %s: %w", id, err)
	}
	os.RemoveAll(m.SocketDir(id)) //nolint:errcheck // best effort: nothing listens there any more
	m.mu.Lock()
	delete(m.clusters, id)
	c.status, c.reason = Absent, ""
	m.mu.Unlock()
	m.notify(id, Absent, "")
	return nil
}
