package pgfront

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// BenchmarkConnect measures a login through the front end against a
// direct connection to the cluster's socket as the same role: the
// difference is what the front end adds (TCP, the password round trip,
// resolving the AccessKey or the STS token, the role check on the
// administrative connection, the relay of the startup). It reports p50
// and p99 of each and their difference.
//
//	go test ./internal/hologres/pgfront -run '^$' -bench Connect -benchtime 300x
func BenchmarkConnect(b *testing.B) {
	f := newFront(b)
	role := "v4_" + f.role.ID
	addUser(b, role, false)
	cred := f.assume(b, f.a.ID, "testRole", f.b.ID, time.Hour)
	frontCfg, err := pgconn.ParseConfig(f.connString(cred.AccessKeyID, cred.AccessKeySecret, "postgres", "options="+dsnQuote("sts_token="+cred.SecurityToken)))
	if err != nil {
		b.Fatal(err)
	}
	directCfg, err := pgconn.ParseConfig(cluster.DSN(clusterID, role, "postgres"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	connect := func(cfg *pgconn.Config) time.Duration {
		t0 := time.Now()
		c, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		c.Close(ctx)
		return d
	}
	// Warm up both paths (caches, the administrative pool).
	for range 5 {
		connect(frontCfg)
		connect(directCfg)
	}
	var front, direct []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		front = append(front, connect(frontCfg))
		direct = append(direct, connect(directCfg))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(float64(len(s))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(front, 0.5), "front-p50-ms")
	b.ReportMetric(pct(front, 0.99), "front-p99-ms")
	b.ReportMetric(pct(direct, 0.5), "direct-p50-ms")
	b.ReportMetric(pct(direct, 0.99), "direct-p99-ms")
	b.ReportMetric(pct(front, 0.5)-pct(direct, 0.5), "overhead-p50-ms")
	b.ReportMetric(pct(front, 0.99)-pct(direct, 0.99), "overhead-p99-ms")
}

// BenchmarkSelect1 is one simple query round trip through the front end
// and directly.
func BenchmarkSelect1(b *testing.B) {
	f := newFront(b)
	role := "p4_" + f.user.ID
	addUser(b, role, false)
	ctx := context.Background()
	front := f.mustConnect(b, f.uKey.ID, f.uKey.Secret, "postgres")
	direct, err := pgx.Connect(ctx, cluster.DSN(clusterID, role, "postgres"))
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close(ctx)
	for _, c := range []struct {
		name string
		conn *pgx.Conn
	}{{"front", front}, {"direct", direct}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.conn.PgConn().Exec(ctx, "SELECT 1").Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPgbench runs `pgbench -S` (select-only, 8 clients, 2 threads,
// scale 4, simple protocol) through the front end, through pgbouncer
// (session pooling, when Debian's pgbouncer is installed) and directly over
// the cluster's socket, b.N transactions each, and reports each throughput
// (pgbench's tps, excluding connection time) and the front end's share of
// direct. pgbouncer, like the front end, takes the client on TCP and talks
// to PostgreSQL over the unix socket; "direct" skips TCP altogether. By
// hand, against a running server:
//
//	PGPASSWORD=<secret> pgbench -h 127.0.0.1 -p <instance port> -U <AccessKeyId> -i -s 4 <db>
//	PGPASSWORD=<secret> pgbench -h 127.0.0.1 -p <instance port> -U <AccessKeyId> -S -c 8 -j 2 -T 30 <db>
//
// (an STS login adds PGOPTIONS="sts_token=<token>").
//
//	go test ./internal/hologres/pgfront -run '^$' -bench Pgbench -benchtime 160000x
func BenchmarkPgbench(b *testing.B) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		b.Skip("skipping: pgbench is not installed")
	}
	f := newFront(b)
	db := uniqueDB(b)
	admin(b, "postgres", `CREATE DATABASE `+quoteIdent(db)+` OWNER `+quoteIdent(f.a.ID))
	b.Cleanup(func() { admin(b, "postgres", `DROP DATABASE IF EXISTS `+quoteIdent(db)+` WITH (FORCE)`) })
	run := func(env []string, args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("pgbench %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	type target struct {
		name string
		env  []string
		args []string
	}
	targets := []target{
		{"front", []string{"PGPASSWORD=" + f.aKey.Secret, "PGSSLMODE=disable"}, []string{"-h", "127.0.0.1", "-p", strconv.Itoa(f.port), "-U", f.aKey.ID}},
		{"direct", nil, []string{"-h", cluster.SocketDir(clusterID), "-p", strconv.Itoa(cluster.Port()), "-U", f.a.ID}},
	}
	if port, ok := startPgbouncer(b, f.a.ID, "bouncerpw"); ok {
		targets = append(targets, target{"pgbouncer", []string{"PGPASSWORD=bouncerpw", "PGSSLMODE=disable"},
			[]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", f.a.ID}})
	}
	run(targets[0].env, append(targets[0].args, "-i", "-q", "-s", "4", db)...)
	tps := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	// Three rounds, the targets taking turns, so that neither order nor a
	// noisy neighbour favours one; each reports its median.
	const rounds = 3
	txPerClient := max(b.N/8/rounds, 100)
	runs := map[string][]float64{}
	b.ResetTimer()
	for range rounds {
		for _, tg := range targets {
			out := run(tg.env, append(tg.args, "-S", "-n", "-c", "8", "-j", "2", "-t", strconv.Itoa(txPerClient), db)...)
			m := tps.FindStringSubmatch(out)
			if m == nil {
				b.Fatalf("no tps in:\n%s", out)
			}
			v, _ := strconv.ParseFloat(m[1], 64)
			runs[tg.name] = append(runs[tg.name], v)
		}
	}
	result := map[string]float64{}
	for name, v := range runs {
		slices.Sort(v)
		result[name] = v[len(v)/2]
		b.ReportMetric(result[name], name+"-tps")
	}
	b.StopTimer()
	b.ReportMetric(result["front"]/result["direct"]*100, "front-%-of-direct")
	line := fmt.Sprintf("pgbench -S -c 8 -j 2, %d rounds of -t %d, medians: front end %.0f tps, direct %.0f tps (%.0f%%)", rounds, txPerClient, result["front"], result["direct"], result["front"]/result["direct"]*100)
	if v, ok := result["pgbouncer"]; ok {
		b.ReportMetric(result["front"]/v*100, "front-%-of-pgbouncer")
		line += fmt.Sprintf(", pgbouncer %.0f tps (front end %.0f%% of it)", v, result["front"]/v*100)
	}
	fmt.Fprintln(os.Stderr, line)
}

// startPgbouncer runs Debian's pgbouncer in session mode in front of the
// test cluster, as the cluster's user when the tests run as root (it
// refuses root, and only that user may reach the socket).
func startPgbouncer(b *testing.B, role, password string) (int, bool) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
			b.Log("pgbouncer is not installed: no comparison with it")
			return 0, false
		}
	}
	dir := b.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := fmt.Sprintf(`[databases]
* = host=%s port=%d
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = plain
auth_file = %s/users.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
`, cluster.SocketDir(clusterID), cluster.Port(), port, dir, dir, dir)
	for name, data := range map[string]string{"pgbouncer.ini": conf, "users.txt": fmt.Sprintf("%q %q\n", role, password)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 {
		for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
			os.Chmod(d, 0o777) //nolint:errcheck // the bouncer writes its log and pid here
		}
		args = append([]string{"-u", "postgres"}, args...)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck
	for range 100 {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			c.Close()
			return port, true
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
	b.Fatalf("pgbouncer did not start:\n%s", log)
	return 0, false
}
