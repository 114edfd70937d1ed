package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
	"github.com/localyun/localyun/internal/odpsclient"
	"github.com/localyun/localyun/internal/server"
)

// odpsFlags are the flags every `localyun odps` command takes.
type odpsFlags struct {
	endpoint, keyID, keySecret, token string
	signatureVersion                  int
	region                            string
}

func (f *odpsFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.endpoint, "endpoint", "", "localyun's root URL (the ODPS API is under /odps/api) or a full ODPS endpoint URL\n(default LOCALYUN_ENDPOINT, else http://"+server.DefaultHTTPAddr+")")
	fl.StringVar(&f.keyID, "access-key-id", "", "AccessKeyId (default ALIBABA_CLOUD_ACCESS_KEY_ID); flags are visible in ps, prefer the variables")
	fl.StringVar(&f.keySecret, "access-key-secret", "", "AccessKey secret (default ALIBABA_CLOUD_ACCESS_KEY_SECRET); visible in ps")
	fl.StringVar(&f.token, "security-token", "", "STS security token (default ALIBABA_CLOUD_SECURITY_TOKEN); visible in ps")
	fl.IntVar(&f.signatureVersion, "signature-version", 2, "ODPS request signature: 2, or 4 (signed for --region)")
	fl.StringVar(&f.region, "region", "", "region: of the v4 signature (default cn-hangzhou); for create-project, of the project (default: the server's)")
}

// credentials reads the flags, then the variables the Alibaba Cloud SDKs
// read.
func (f *odpsFlags) credentials() (odpsauth.Credentials, error) {
	pick := func(flag, env string) string {
		if flag != "" {
			return flag
		}
		return os.Getenv(env)
	}
	c := odpsauth.Credentials{
		AccessKeyID:     pick(f.keyID, "ALIBABA_CLOUD_ACCESS_KEY_ID"),
		AccessKeySecret: pick(f.keySecret, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		SecurityToken:   pick(f.token, "ALIBABA_CLOUD_SECURITY_TOKEN"),
	}
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return c, usageErrorf("no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)")
	}
	return c, nil
}

// endpoint parses --endpoint: host:port or a URL; a URL without a path is
// localyun's root, and the ODPS API is under /odps/api of it. It returns
// scheme://host and the ODPS path.
func (f *odpsFlags) parseEndpoint() (root, odpsPath string, err error) {
	raw := f.endpoint
	if raw == "" {
		raw = os.Getenv("LOCALYUN_ENDPOINT")
	}
	if raw == "" {
		raw = "http://" + server.DefaultHTTPAddr
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", usageErrorf("--endpoint %q: give localyun's address (http://127.0.0.1:18080) or an ODPS endpoint (http://127.0.0.1:18080/odps/api)", f.endpoint)
	}
	odpsPath = strings.TrimSuffix(u.EscapedPath(), "/")
	if odpsPath == "" {
		odpsPath = "/odps/api"
	}
	return u.Scheme + "://" + u.Host, odpsPath, nil
}

func newODPSCommand() *cobra.Command {
	var (
		flags             odpsFlags
		project, execText string
		file, format      string
	)
	cmd := &cobra.Command{
		Use:   "odps --project P (-e \"SQL; ...\" | -f FILE) [--format table|csv]",
		Short: "Run MaxCompute statements over the ODPS API, as odpscmd does",
		Long: `Run MaxCompute statements against a project over the ODPS REST API, as
odpscmd runs them. Statements are split on ';' outside quotes, backquotes and
comments, and sent one by one: security statements (add user, grant, show
grants, list users, whoami, ...) to the project's authorization endpoint,
everything else as an SQL job (waiting for it and fetching its result).
Outputs are printed as odpscmd prints them: OK, the user list, the grants
text, query results as a table (or CSV with --format csv). ` + "`set key=value;`" + `
sets a hint for the statements after it.

The first failed statement stops the run: its message is printed after
"FAILED: " and the exit status is 1.

Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
and, for STS credentials, ALIBABA_CLOUD_SECURITY_TOKEN; the flags override
them, but a flag's value is visible to other users of the machine in ps.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if project == "" {
				return usageErrorf("--project is required")
			}
			if format != "table" && format != "csv" {
				return usageErrorf("--format %q: use table or csv", format)
			}
			var script string
			switch {
			case execText != "" && file != "":
				return usageErrorf("give statements with -e or -f, not both")
			case execText != "":
				script = execText
			case file == "-":
				data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), sqlparse.MaxScriptBytes+1))
				if err != nil {
					return usageErrorf("reading statements from stdin: %v", err)
				}
				script = string(data)
			case file != "":
				data, err := os.ReadFile(file)
				if err != nil {
					return usageErrorf("cannot read %s: %v", file, err)
				}
				script = string(data)
			default:
				return usageErrorf("give statements with -e \"SQL; ...\" or -f FILE")
			}
			c, err := newODPSClient(&flags, project)
			if err != nil {
				return err
			}
			r := &odpsRunner{c: c, out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(), format: format, settings: map[string]string{},
				progress: isTerminal(cmd.ErrOrStderr())}
			return r.run(cmd.Context(), script)
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVarP(&project, "project", "p", "", "the project to run the statements in (required)")
	cmd.Flags().StringVarP(&execText, "execute", "e", "", "statements to run, separated by ';'")
	cmd.Flags().StringVarP(&file, "file", "f", "", "file of statements to run ('-' reads stdin)")
	cmd.Flags().StringVar(&format, "format", "table", "how query results are printed: table or csv")
	cmd.AddCommand(newCreateProjectCommand(&flags))
	return cmd
}

// --- running statements ---

func newODPSClient(f *odpsFlags, project string) (*odpsclient.Client, error) {
	creds, err := f.credentials()
	if err != nil {
		return nil, err
	}
	root, path, err := f.parseEndpoint()
	if err != nil {
		return nil, err
	}
	if f.signatureVersion != 2 && f.signatureVersion != 4 {
		return nil, usageErrorf("--signature-version %d: use 2 or 4", f.signatureVersion)
	}
	return &odpsclient.Client{HTTP: &http.Client{Timeout: 120 * time.Second}, Root: root, Path: path, Creds: creds,
		V4: f.signatureVersion == 4, Region: f.region, Project: project}, nil
}

type odpsRunner struct {
	c        *odpsclient.Client
	out      io.Writer
	errOut   io.Writer
	format   string
	settings map[string]string
	progress bool
}

var setPattern = regexp.MustCompile(`(?is)^set\s+([A-Za-z0-9_.\-]+)\s*=\s*(.*)$`)

func (r *odpsRunner) run(ctx context.Context, script string) error {
	pieces, err := sqlparse.Split(script)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if len(pieces) == 0 {
		return usageErrorf("no statement to run")
	}
	for _, pc := range pieces {
		var out string
		var err error
		switch m := setPattern.FindStringSubmatch(pc.Text); {
		case m != nil && !sqlparse.IsSecurityText(pc.Text):
			r.settings[m[1]] = strings.TrimSpace(m[2])
			out = "OK"
		case sqlparse.IsSecurityText(pc.Text):
			out, err = r.security(ctx, pc.Text)
		default:
			out, err = r.sql(ctx, pc.Text)
		}
		if err != nil {
			return odpsExit(err)
		}
		fmt.Fprintln(r.out, out)
	}
	return nil
}

// odpsExit turns a client error into the exit status: a refusal or a
// failed statement is printed after "FAILED: " (exit 1), bad input exits
// 2, anything else 1.
func odpsExit(err error) error {
	var oe *odpsclient.Error
	switch {
	case errors.As(err, &oe):
		return &exitError{code: ExitFailed, msg: "FAILED: " + oe.Error()}
	case errors.Is(err, odpsclient.ErrInvalidRequest):
		return &exitError{code: ExitUsage, msg: err.Error()}
	case errors.Is(err, context.Canceled):
		return &exitError{code: ExitFailed, msg: "interrupted"}
	}
	return &exitError{code: ExitFailed, msg: err.Error()}
}

// security runs a statement on the authorization endpoint.
func (r *odpsRunner) security(ctx context.Context, text string) (string, error) {
	result, err := r.c.Security(ctx, text)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(strings.Fields(text)[0], "whoami") {
		return r.whoami(result), nil
	}
	if result == "" {
		return "OK", nil
	}
	return result, nil
}

// whoami prints the caller as odpscmd does.
func (r *odpsRunner) whoami(result string) string {
	var w struct {
		DisplayName, ID, SourceIP string
	}
	if json.Unmarshal([]byte(result), &w) != nil {
		return result
	}
	return fmt.Sprintf("Name: %s\nSource IP: %s\nEnd_Point: %s\nProject: %s", w.DisplayName, w.SourceIP, r.c.Endpoint(), r.c.Project)
}

// sql runs a statement as an SQL job, printing its instance id on a
// terminal while it runs.
func (r *odpsRunner) sql(ctx context.Context, text string) (string, error) {
	out, err := r.c.SQL(ctx, text, r.settings, func(id string) {
		if r.progress {
			fmt.Fprintf(r.errOut, "ID = %s\n", id)
		}
	})
	if err != nil {
		return "", err
	}
	if out.Format == "csv" {
		return r.printRows(out.Text)
	}
	return strings.TrimRight(out.Text, "\n"), nil
}

// printRows formats a CSV result (with its header) as a table, or passes
// it through with --format csv.
func (r *odpsRunner) printRows(content string) (string, error) {
	if r.format == "csv" {
		return strings.TrimRight(content, "\n"), nil
	}
	rd := csv.NewReader(strings.NewReader(content))
	rd.FieldsPerRecord = -1
	records, err := rd.ReadAll()
	if err != nil {
		return "", &odpsclient.Error{Message: "the query result is not CSV: " + err.Error()}
	}
	return formatTable(records), nil
}

// formatTable draws rows as odpscmd does; \N (NULL) is printed NULL.
func formatTable(records [][]string) string {
	if len(records) == 0 {
		return ""
	}
	widths := make([]int, len(records[0]))
	for _, rec := range records {
		for i, v := range rec {
			if i < len(widths) {
				if v == `\N` {
					v = "NULL"
				}
				widths[i] = max(widths[i], utf8.RuneCountInString(v))
			}
		}
	}
	var b strings.Builder
	line := func() {
		b.WriteByte('+')
		for _, w := range widths {
			b.WriteString(strings.Repeat("-", w+2))
			b.WriteByte('+')
		}
		b.WriteByte('\n')
	}
	row := func(rec []string) {
		b.WriteByte('|')
		for i, w := range widths {
			v := ""
			if i < len(rec) {
				v = rec[i]
			}
			if v == `\N` {
				v = "NULL"
			}
			b.WriteString(" " + v + strings.Repeat(" ", w-utf8.RuneCountInString(v)) + " |")
		}
		b.WriteByte('\n')
	}
	line()
	row(records[0])
	line()
	for _, rec := range records[1:] {
		row(rec)
	}
	line()
	return strings.TrimRight(b.String(), "\n")
}

// --- create-project: the MaxCompute RPC API ---

func newCreateProjectCommand(flags *odpsFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create-project NAME [--region R] [--json]",
		Short: "Create a MaxCompute project owned by the caller's account (RPC API MaxCompute 2019-06-12)",
		Long: `Create a MaxCompute project with the CreateProject action of the MaxCompute
RPC API (version 2019-06-12), signed with V1 and the ALIBABA_CLOUD_*
credentials, against --endpoint (localyun's root URL). The project belongs
to the caller's account; its owner is the account (ALIYUN$<uid>), which may
then add users and grant privileges. Names are 3 to 28 letters, digits and
underscores, starting with a letter, unique across the server.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, err := flags.credentials()
			if err != nil {
				return err
			}
			root, _, err := flags.parseEndpoint()
			if err != nil {
				return err
			}
			data, err := createProject(cmd.Context(), root, creds, args[0], flags.region)
			if err != nil {
				return err
			}
			var p struct {
				Name     string `json:"name"`
				RegionID string `json:"regionId"`
			}
			if err := json.Unmarshal([]byte(data), &p); err != nil || p.Name == "" {
				return &exitError{code: ExitFailed, msg: "the server's answer has no project: " + data}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"Project": p.Name, "Region": p.RegionID})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Project %s created in %s.\nODPS endpoint: %s/odps/api\n", p.Name, p.RegionID, root)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"Project":"...","Region":"..."}`)
	return cmd
}

// createProject calls CreateProject, parameters in the form body as the
// SDK sends them, and returns Data.
func createProject(ctx context.Context, root string, creds odpsauth.Credentials, name, region string) (string, error) {
	c := &apiClient{root: root, http: &http.Client{Timeout: 60 * time.Second},
		creds: signature.Credentials{AccessKeyID: creds.AccessKeyID, AccessKeySecret: creds.AccessKeySecret, SecurityToken: creds.SecurityToken}}
	form := url.Values{"ProjectName": {name}}
	if region != "" {
		form.Set("OdpsRegionId", region)
	}
	var out struct{ Data string }
	if err := c.rpc(ctx, "2019-06-12", "CreateProject", form, &out); err != nil {
		return "", err
	}
	return out.Data, nil
}
