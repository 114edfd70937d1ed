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
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/datadir"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/server"
)

// defaultDataDir is LOCALYUN_DATA_DIR, else ~/.localyun.
func defaultDataDir() string {
	if d := os.Getenv("LOCALYUN_DATA_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".localyun"
	}
	return filepath.Join(home, ".localyun")
}

func newServeCommand() *cobra.Command {
	var cfg server.Config
	var logFormat, logLevel, holoPorts string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the localyun server (RAM, STS, MaxCompute and the API gateway)",
		Long: `Run the localyun server in the foreground until SIGINT or SIGTERM.

Listeners are on loopback by default. Use :0 (for example --http 127.0.0.1:0)
to pick free ports; the bound addresses are written to addresses.json in the
data directory. The data directory is created 0700 and locked: two servers
cannot share it. The HTTPS listener uses a self-signed certificate kept in
the data directory (` + "`localyun cert`" + ` prints its path).

MaxCompute's ODPS API is served under /odps/api of both listeners: give
clients the endpoint http://<http address>/odps/api. Project data lives in
<data-dir>/maxcompute, one DuckDB database per project.

Each Hologres instance is a PostgreSQL cluster (reached only through a unix
socket) behind a PostgreSQL-wire front end on 127.0.0.1, one port per
instance from --holo-ports; psql and pgx log in with an AccessKey pair.
The clusters need PostgreSQL server binaries (Debian: apt-get install
postgresql); without them the server starts and the Hologres APIs say so.
As root, the clusters run as --pg-user (default postgres).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = log
			if cfg.Holo.PortMin, cfg.Holo.PortMax, err = server.ParsePortRange(holoPorts); err != nil {
				return usageErrorf("--holo-ports: %v", err)
			}
			if !server.ValidRegion(cfg.DefaultRegion) {
				return usageErrorf("--region-default %q: use one of %s", cfg.DefaultRegion, strings.Join(server.Regions, ", "))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := server.Run(ctx, cfg); err != nil {
				return &exitError{code: ExitFailed, msg: "localyun serve: " + err.Error()}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.DataDir, "data-dir", defaultDataDir(), "data directory (env LOCALYUN_DATA_DIR)")
	fl.StringVar(&cfg.HTTPAddr, "http", server.DefaultHTTPAddr, "HTTP listen address; empty disables")
	fl.StringVar(&cfg.HTTPSAddr, "https", server.DefaultHTTPSAddr, "HTTPS listen address; empty disables")
	fl.StringArrayVar(&cfg.CertHosts, "cert-host", nil, "extra host name or IP for the HTTPS certificate (repeatable)")
	fl.StringVar(&cfg.DefaultRegion, "region-default", server.Regions[0], "region of resources created without one")
	fl.DurationVar(&cfg.STSMinDuration, "sts-min-duration", 900*time.Second, "shortest STS DurationSeconds accepted (lower it only in test suites)")
	fl.IntVar(&cfg.NonceCap, "nonce-cap", 0, "signature nonces one AccessKey may hold within the 15-minute window (default 200000)")
	fl.DurationVar(&cfg.AuditRetention, "audit-retention", 30*24*time.Hour, "how long audit records are kept")
	fl.DurationVar(&cfg.ClockOffset, "clock-offset", 0, "shift the server's clock, e.g. -13m (test suites only: STS credentials then look near expiry to their clients)")
	fl.StringVar(&cfg.MaxCompute.MemoryLimit, "maxcompute-memory-limit", "512MB", "memory limit of each MaxCompute project database (DuckDB size syntax)")
	fl.IntVar(&cfg.MaxCompute.Threads, "maxcompute-threads", 2, "threads of each MaxCompute project database")
	fl.DurationVar(&cfg.MaxCompute.StatementTimeout, "maxcompute-statement-timeout", 60*time.Second, "time limit of one MaxCompute SQL statement")
	fl.IntVar(&cfg.MaxCompute.MaxOpen, "maxcompute-max-open", 32, "MaxCompute project databases open at once (idle ones are closed)")
	fl.DurationVar(&cfg.MaxCompute.InstanceRetention, "maxcompute-instance-retention", 24*time.Hour, "how long finished MaxCompute instances and their results are kept (in memory)")
	fl.IntVar(&cfg.MaxCompute.MaxInstances, "maxcompute-max-instances", 10000, "MaxCompute instances kept at most (the oldest finished are forgotten first)")
	fl.StringVar(&holoPorts, "holo-ports", fmt.Sprintf("%d-%d", server.DefaultHoloPortMin, server.DefaultHoloPortMax), "port range of the Hologres instances' front ends")
	fl.StringVar(&cfg.Holo.PGBin, "pg-bin", "", "directory of the PostgreSQL server programs (default: found via pg_config, PATH or /usr/lib/postgresql)")
	fl.StringVar(&cfg.Holo.PGUser, "pg-user", "", "user the PostgreSQL clusters run as when localyun runs as root (default postgres)")
	fl.StringVar(&cfg.Holo.PGDir, "pg-dir", "", "directory of the PostgreSQL clusters (default <data-dir>/pgcluster, or /var/lib/localyun-pgcluster/<hash> as root)")
	fl.StringVar(&cfg.Holo.PGSocketDir, "pg-socket-dir", "", "short directory for the clusters' unix sockets (default /tmp/localyun-<hash>)")
	fl.BoolVar(&cfg.Holo.Disabled, "no-hologres", false, "run without Hologres clusters")
	fl.IntVar(&cfg.DataWorks.GroupConcurrency, "dataworks-group-concurrency", dataworks.DefaultGroupConcurrency, "tasks (connectivity tests, sync tasks) each DataWorks resource group runs at once; more wait")
	fl.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: use text or json", format)
}

// adminCall calls the admin API of the server using dataDir, turning its
// errors into exit statuses: server refusals exit 1, a missing server too.
func adminCall(ctx context.Context, dataDir, name string, req, resp any) error {
	c, err := admin.Dial(dataDir)
	if err != nil {
		return &exitError{code: ExitFailed, msg: err.Error()}
	}
	defer c.Close()
	if err := c.Call(ctx, name, req, resp); err != nil {
		if e := apierr.As(err); e != nil {
			msg := e.Code + ": " + e.Message
			if e.Recommend != "" {
				msg += "\n" + e.Recommend
			}
			code := ExitFailed
			if e.Status == 400 {
				code = ExitUsage
			}
			return &exitError{code: code, msg: msg}
		}
		return &exitError{code: ExitFailed, msg: err.Error()}
	}
	return nil
}

func newAccountCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Create and list accounts (admin socket)"}
	var dataDir string
	var asJSON bool
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an account with a 16-digit UID and a root AccessKey",
		Long: `Create an account with a 16-digit UID and a root AccessKey. The secret is
shown once. Names are lower-case letters, digits and '-', with at least one
letter; they are unique and cannot change.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _ := cmd.Flags().GetString("name")
			var resp server.AccountCreateResponse
			if err := adminCall(cmd.Context(), dataDir, "account.create", server.AccountCreateRequest{Name: name}, &resp); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), resp)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Account %s (UID %s) created.\n", resp.AccountName, resp.AccountID)
			fmt.Fprintf(w, "Root AccessKey, shown only now:\n  ALIBABA_CLOUD_ACCESS_KEY_ID=%s\n  ALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n", resp.AccessKeyID, resp.AccessKeySecret)
			return nil
		},
	}
	create.Flags().String("name", "", "account name (required)")
	_ = create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var resp []server.AccountView
			if err := adminCall(cmd.Context(), dataDir, "account.list", struct{}{}, &resp); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), resp)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UID\tNAME\tCREATED")
			for _, a := range resp {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", a.AccountID, a.AccountName, a.CreateDate)
			}
			return tw.Flush()
		},
	}
	for _, c := range []*cobra.Command{create, list} {
		c.Flags().StringVar(&dataDir, "data-dir", defaultDataDir(), "data directory of the running server")
		c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	}
	cmd.AddCommand(create, list)
	return cmd
}

func newAuditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit trail (admin socket)"}
	var dataDir, account string
	var asJSON, follow bool
	var limit int
	tail := &cobra.Command{
		Use:   "tail [--account UID] [--json] [--follow]",
		Short: "Print the latest audit records: every API call and permission decision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var after int64
			// Start from the last `limit` records.
			var all []server.AuditEntry
			for {
				var page []server.AuditEntry
				if err := adminCall(cmd.Context(), dataDir, "audit.tail", server.AuditTailRequest{Account: account, After: after, Limit: 1000}, &page); err != nil {
					return err
				}
				all = append(all, page...)
				if len(all) > limit {
					all = all[len(all)-limit:]
				}
				if len(page) > 0 {
					after = page[len(page)-1].Seq
				}
				if len(page) < 1000 {
					break
				}
			}
			print := func(entries []server.AuditEntry) error {
				for _, e := range entries {
					if asJSON {
						if err := writeJSON(cmd.OutOrStdout(), e); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintln(cmd.OutOrStdout(), formatAudit(e))
				}
				return nil
			}
			if err := print(all); err != nil {
				return err
			}
			for follow {
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(time.Second):
				}
				var page []server.AuditEntry
				if err := adminCall(cmd.Context(), dataDir, "audit.tail", server.AuditTailRequest{Account: account, After: after, Limit: 1000}, &page); err != nil {
					return err
				}
				if len(page) > 0 {
					after = page[len(page)-1].Seq
				}
				if err := print(page); err != nil {
					return err
				}
			}
			return nil
		},
	}
	tail.Flags().StringVar(&dataDir, "data-dir", defaultDataDir(), "data directory of the running server")
	tail.Flags().StringVar(&account, "account", "", "only records involving this account UID (as caller or resource owner)")
	tail.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per line")
	tail.Flags().BoolVar(&follow, "follow", false, "keep printing new records")
	tail.Flags().IntVar(&limit, "limit", 100, "how many of the latest records to print first")
	cmd.AddCommand(tail)
	return cmd
}

func formatAudit(e server.AuditEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-9s %s", e.Time, e.Event, e.Action)
	if e.Caller != "" {
		fmt.Fprintf(&b, " by %s", e.Caller)
	}
	if e.Resource != "" {
		fmt.Fprintf(&b, " on %s", e.Resource)
	}
	if e.Decision != "" {
		fmt.Fprintf(&b, ": %s", e.Decision)
	}
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " [%s]", e.ErrorCode)
	}
	if e.Deciding != "" {
		fmt.Fprintf(&b, " (%s)", e.Deciding)
	}
	fmt.Fprintf(&b, " request %s", e.RequestID)
	return b.String()
}

func newCertCommand() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Print the path of the HTTPS certificate, to trust it (SSL_CERT_FILE)",
		Long: `Print the path of the self-signed certificate of the HTTPS listener. Go
programs trust it with SSL_CERT_FILE=<path>, set before the process starts:

  export SSL_CERT_FILE=$(localyun cert)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p := filepath.Join(dataDir, datadir.CertFile)
			if _, err := os.Stat(p); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return &exitError{code: ExitFailed, msg: fmt.Sprintf("no certificate in %s yet: start `localyun serve --data-dir %s` once", dataDir, dataDir)}
				}
				return &exitError{code: ExitFailed, msg: err.Error()}
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir(), "data directory")
	return cmd
}
