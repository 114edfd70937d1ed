package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/datadir"
	"github.com/localyun/localyun/internal/demo"
	"github.com/localyun/localyun/internal/demo/localserver"
	"github.com/localyun/localyun/internal/server"
)

func newDemoCommand() *cobra.Command {
	var (
		dataDir, holoPorts, breakStep string
		keep                          bool
	)
	cmd := &cobra.Command{
		Use:   "demo [--data-dir DIR] [--keep]",
		Short: "Start a server in a fresh data directory and play the seed scenario, step by step",
		Long: `Start a localyun server inside this process, in a fresh temporary data
directory (or --data-dir, which must be new or empty), and play the seed
scenario, the DataWorks page "Cross-account authorization (MaxCompute or
Hologres)", with the official clients:

  account B creates testRole trusting account A, writes the seed's trust
  policy, adds the role to a MaxCompute project (add user, list users,
  show grants, grant Select) and to a Hologres database (the seed's
  hologram policy, CREATE USER "v4_<RoleId>", GRANT); account A adds both
  as cross-account data sources in DataWorks, tests them, previews their
  rows and is refused when binding them as compute engines; account C is
  refused B's role.

Each step prints the seed's words, the exact API call or SQL statement sent
and the answer; a summary table ends the run. The exit status is 0 only if
every step behaved as the seed says.

Hologres needs PostgreSQL server binaries (Debian: apt-get install
postgresql). --keep leaves the server running afterwards and prints how to
connect (SDK endpoint, psql, localyun odps); Ctrl-C stops it. Without
--data-dir, the temporary directory is removed at exit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if breakStep != "" && !validBreak(breakStep) {
				return usageErrorf("--break %q: use one of %s", breakStep, breakList())
			}
			var o localserver.Options
			if holoPorts != "" {
				var err error
				if o.HoloPortMin, o.HoloPortMax, err = server.ParsePortRange(holoPorts); err != nil {
					return usageErrorf("--holo-ports: %v", err)
				}
			}
			o.DataDir = dataDir
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDemo(ctx, cmd.OutOrStdout(), o, demo.Break(breakStep), keep)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dataDir, "data-dir", "", "data directory for the demo's server (must be new or empty; default: a temporary one, removed at exit)")
	fl.BoolVar(&keep, "keep", false, "keep the server running after the demo, until Ctrl-C, and print how to connect")
	fl.StringVar(&holoPorts, "holo-ports", "", "port range of the Hologres front ends (default the server's, "+fmt.Sprintf("%d-%d", server.DefaultHoloPortMin, server.DefaultHoloPortMax)+")")
	fl.StringVar(&breakStep, "break", "", "break one seed step on purpose: "+breakList())
	_ = fl.MarkHidden("break")
	return cmd
}

func validBreak(s string) bool {
	for _, b := range demo.Breaks {
		if string(b) == s {
			return true
		}
	}
	return false
}

func breakList() string {
	names := make([]string, len(demo.Breaks))
	for i, b := range demo.Breaks {
		names[i] = string(b)
	}
	return strings.Join(names, ", ")
}

// runDemo starts the server, plays the scenario and, with keep, waits for
// ctx to end.
func runDemo(ctx context.Context, w io.Writer, o localserver.Options, brk demo.Break, keep bool) error {
	o.LogLevel = slog.LevelInfo
	fmt.Fprintln(w, "Starting a localyun server in a fresh data directory...")
	srv, err := localserver.Start(ctx, o)
	if err != nil {
		if errors.Is(err, localserver.ErrNotEmpty) {
			return usageErrorf("--data-dir: %v", err)
		}
		return &exitError{code: ExitFailed, msg: "localyun demo: " + err.Error()}
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(w, "stopping the server:", err)
		}
	}()
	fmt.Fprintf(w, "Server ready: HTTP %s, HTTPS %s, data directory %s (log: %s)\n", srv.Addrs.HTTP, srv.Addrs.HTTPS, srv.DataDir, srv.LogFile)
	env := demo.Env{Endpoint: srv.Addrs.HTTP, CreateAccount: func(ctx context.Context, name string) (demo.Account, error) {
		a, err := srv.CreateAccount(ctx, name)
		return demo.Account{ID: a.AccountID, Name: a.AccountName, AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret}, err
	}}
	report, err := demo.Play(ctx, env, demo.Options{Out: w, Break: brk})
	if err != nil {
		return &exitError{code: ExitFailed, msg: "localyun demo: " + err.Error()}
	}
	if keep && ctx.Err() == nil {
		printConnect(w, srv, report)
		select {
		case <-ctx.Done():
			fmt.Fprintln(w, "\nStopping the server...")
		case <-srv.Exited():
			fmt.Fprintln(w, "\nThe server stopped:", srv.Err())
		}
	}
	if !report.OK() {
		msg := "localyun demo: some steps did not behave as the seed says"
		if f := report.FirstFailure(); f != nil {
			msg += fmt.Sprintf(" (first: %s %s)", f.ID, f.Key)
		}
		if srv.Temporary {
			msg += "; the server log is removed with the temporary directory: rerun with --data-dir DIR to keep it"
		} else {
			msg += "; server log: " + srv.LogFile
		}
		return &exitError{code: ExitFailed, msg: msg}
	}
	return nil
}

// printConnect tells the user how to continue by hand.
func printConnect(w io.Writer, srv *localserver.Server, r *demo.Report) {
	fmt.Fprintf(w, `
The server keeps running (Ctrl-C stops it%s).

SDK endpoint (monolithic SDK: client.Domain; darabonba: Endpoint, Protocol HTTP):
  %s   (HTTPS: %s; trust it with SSL_CERT_FILE=%s)

Account B (resource owner), account A (DataWorks operator), account C:
`, removedNote(srv), srv.Addrs.HTTP, srv.Addrs.HTTPS, filepath.Join(srv.DataDir, datadir.CertFile))
	for _, a := range []struct {
		label string
		acct  demo.Account
	}{{"B", r.B}, {"A", r.A}, {"C", r.C}} {
		if a.acct.ID == "" {
			continue
		}
		fmt.Fprintf(w, "  %s %s (UID %s): export ALIBABA_CLOUD_ACCESS_KEY_ID=%s ALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n",
			a.label, a.acct.Name, a.acct.ID, a.acct.AccessKeyID, a.acct.AccessKeySecret)
	}
	if r.B.ID != "" {
		fmt.Fprintf(w, "\nMaxCompute, as account B (after exporting B's keys):\n  localyun odps --endpoint http://%s -p %s -e 'list users; show grants for `RAM$%s:role/testRole`;'\n",
			srv.Addrs.HTTP, r.Project, r.B.Name)
	}
	if r.HoloAddress != "" {
		host, port, _ := strings.Cut(r.HoloAddress, ":")
		fmt.Fprintf(w, "\nHologres instance %s, as account B:\n  PGPASSWORD=%s psql \"host=%s port=%s user=%s dbname=%s\"\n",
			r.InstanceID, r.B.AccessKeySecret, host, port, r.B.AccessKeyID, r.Database)
	}
	fmt.Fprintf(w, "\nDataWorks workspace %d of account A: localyun dataworks --help\nAudit trail: localyun audit tail --data-dir %s\n", r.Workspace, srv.DataDir)
}

func removedNote(srv *localserver.Server) string {
	if srv.Temporary {
		return " and removes its temporary data directory"
	}
	return ""
}
