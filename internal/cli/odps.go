package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
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

// --- the ODPS client ---

// odpsClient signs and sends ODPS requests for one project.
type odpsClient struct {
	http     *http.Client
	root     string // scheme://host
	path     string // the ODPS endpoint's path, e.g. /odps/api
	creds    odpsauth.Credentials
	v4       bool
	region   string
	project  string
	endpoint string // root + path, for messages
}

func newODPSClient(f *odpsFlags, project string) (*odpsClient, error) {
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
	region := f.region
	if region == "" {
		region = "cn-hangzhou"
	}
	return &odpsClient{http: &http.Client{Timeout: 120 * time.Second}, root: root, path: path, creds: creds, v4: f.signatureVersion == 4,
		region: region, project: project, endpoint: root + path}, nil
}

// odpsError is an error answer, or a failed task or statement.
type odpsError struct {
	Code, Message string
}

func (e *odpsError) Error() string {
	if strings.HasPrefix(e.Message, "ODPS-") || e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

type odpsResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends a signed request to path (under the project's resource, e.g.
// "/authorization") and returns a 2xx answer, or the error it carries.
func (c *odpsClient) do(ctx context.Context, method, resource, query string, body []byte) (*odpsResponse, error) {
	p := c.path + "/projects/" + url.PathEscape(c.project) + resource
	h := http.Header{"User-Agent": {"localyun-odps"}, "x-odps-user-agent": {"localyun-odps"}}
	if body != nil {
		h.Set("Content-Type", "application/xml")
	}
	q := "curr_project=" + url.QueryEscape(c.project)
	if query != "" {
		q = query + "&" + q
	}
	sr := &odpsauth.Request{Method: method, Path: p, RawQuery: q, Header: h}
	var err error
	if c.v4 {
		err = odpsauth.SignV4(sr, c.path, c.creds, c.region, time.Now())
	} else {
		err = odpsauth.SignV2(sr, c.path, c.creds, time.Now())
	}
	if err != nil {
		return nil, &exitError{code: ExitUsage, msg: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+p+"?"+q, bytes.NewReader(body))
	if err != nil {
		return nil, &exitError{code: ExitUsage, msg: err.Error()}
	}
	req.Header = http.Header(sr.Header)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, &exitError{code: ExitFailed, msg: fmt.Sprintf("cannot reach the ODPS endpoint %s: %v (is `localyun serve` running?)", c.endpoint, err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return nil, &exitError{code: ExitFailed, msg: "reading the answer: " + err.Error()}
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Code, Message string
		}
		if xml.Unmarshal(data, &e) != nil || e.Code == "" {
			return nil, &odpsError{Code: res.Status, Message: res.Status + ": " + strings.TrimSpace(string(data))}
		}
		return nil, &odpsError{Code: e.Code, Message: e.Message}
	}
	return &odpsResponse{status: res.StatusCode, header: res.Header, body: data}, nil
}

// --- running statements ---

type odpsRunner struct {
	c        *odpsClient
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
			if ee, ok := err.(*exitError); ok {
				return ee
			}
			return &exitError{code: ExitFailed, msg: "FAILED: " + err.Error()}
		}
		fmt.Fprintln(r.out, out)
	}
	return nil
}

// security runs a statement on the authorization endpoint; an answer 201
// is polled every second until it is Terminated or Failed.
func (r *odpsRunner) security(ctx context.Context, text string) (string, error) {
	body, _ := xml.Marshal(struct {
		XMLName              xml.Name `xml:"Authorization"`
		Query                string   `xml:"Query"`
		ResponseInJSONFormat bool     `xml:"ResponseInJsonFormat"`
	}{Query: text})
	res, err := r.c.do(ctx, "POST", "/authorization", "", body)
	if err != nil {
		return "", err
	}
	var out struct{ Result string }
	if err := xml.Unmarshal(res.body, &out); err != nil {
		return "", &odpsError{Message: "the authorization answer is not XML: " + err.Error()}
	}
	result := out.Result
	if res.status != 200 {
		if result, err = r.pollAuthorization(ctx, out.Result); err != nil {
			return "", err
		}
	}
	if strings.EqualFold(strings.Fields(text)[0], "whoami") {
		return r.whoami(result), nil
	}
	if result == "" {
		return "OK", nil
	}
	return result, nil
}

func (r *odpsRunner) pollAuthorization(ctx context.Context, id string) (string, error) {
	for {
		res, err := r.c.do(ctx, "GET", "/authorization/"+url.PathEscape(id), "", nil)
		if err != nil {
			return "", err
		}
		var q struct{ Result, Status string }
		if err := xml.Unmarshal(res.body, &q); err != nil {
			return "", &odpsError{Message: "the authorization query's answer is not XML: " + err.Error()}
		}
		switch q.Status {
		case "Terminated":
			return q.Result, nil
		case "Failed":
			return "", &odpsError{Message: q.Result}
		}
		if err := sleep(ctx, time.Second); err != nil {
			return "", err
		}
	}
}

// whoami prints the caller as odpscmd does.
func (r *odpsRunner) whoami(result string) string {
	var w struct {
		DisplayName, ID, SourceIP string
	}
	if json.Unmarshal([]byte(result), &w) != nil {
		return result
	}
	return fmt.Sprintf("Name: %s\nSource IP: %s\nEnd_Point: %s\nProject: %s", w.DisplayName, w.SourceIP, r.c.endpoint, r.c.project)
}

type taskResult struct {
	Name   string
	Status string
	Result struct {
		Transform string `xml:"Transform,attr"`
		Format    string `xml:"Format,attr"`
		Content   string `xml:",chardata"`
	}
}

func (t *taskResult) content() string {
	if t.Result.Transform == "Base64" {
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t.Result.Content))
		if err == nil {
			return string(data)
		}
	}
	return t.Result.Content
}

// sql runs a statement as an SQL job: submitted with ?tryWait; when it is
// not finished at the answer, its task status is polled every second, then
// its result fetched.
func (r *odpsRunner) sql(ctx context.Context, text string) (string, error) {
	type property struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	}
	config := []property{{"type", "sql"}}
	if len(r.settings) > 0 {
		s, _ := json.Marshal(r.settings)
		config = append(config, property{"settings", string(s)})
	}
	config = append(config, property{"uuid", newUUID()})
	var job struct {
		XMLName xml.Name `xml:"Instance"`
		Job     struct {
			Priority int `xml:"Priority"`
			Tasks    struct {
				Name   string     `xml:"Name"`
				Config []property `xml:"Config>Property"`
				Query  string     `xml:"Query"`
			} `xml:"Tasks>SQL"`
		} `xml:"Job"`
	}
	job.Job.Priority = 9
	job.Job.Tasks.Name, job.Job.Tasks.Config, job.Job.Tasks.Query = "AnonymousSQLTask", config, text
	body, _ := xml.Marshal(job)
	res, err := r.c.do(ctx, "POST", "/instances", "tryWait", body)
	if err != nil {
		return "", err
	}
	var tasks struct {
		Tasks []taskResult `xml:"Tasks>Task"`
	}
	if res.status == 200 {
		if err := xml.Unmarshal(res.body, &tasks); err != nil {
			return "", &odpsError{Message: "the instance answer is not XML: " + err.Error()}
		}
	} else {
		loc := res.header.Get("Location")
		id := loc[strings.LastIndex(loc, "/")+1:]
		if id == "" {
			return "", &odpsError{Message: "the server answered without the instance's Location"}
		}
		if r.progress {
			fmt.Fprintf(r.errOut, "ID = %s\n", id)
		}
		if err := r.waitInstance(ctx, id); err != nil {
			return "", err
		}
		res, err := r.c.do(ctx, "GET", "/instances/"+url.PathEscape(id), "result", nil)
		if err != nil {
			return "", err
		}
		if err := xml.Unmarshal(res.body, &tasks); err != nil {
			return "", &odpsError{Message: "the instance result is not XML: " + err.Error()}
		}
	}
	if len(tasks.Tasks) == 0 {
		return "", &odpsError{Message: "the instance has no task result"}
	}
	t := tasks.Tasks[0]
	content := t.content()
	if s := strings.ToLower(t.Status); s != "" && s != "success" {
		return "", &odpsError{Message: content}
	}
	if t.Result.Format == "csv" {
		return r.printRows(content)
	}
	return strings.TrimRight(content, "\n"), nil
}

// waitInstance polls the task status every second until every task has
// ended, as the SDKs do.
func (r *odpsRunner) waitInstance(ctx context.Context, id string) error {
	for {
		res, err := r.c.do(ctx, "GET", "/instances/"+url.PathEscape(id), "taskstatus", nil)
		if err != nil {
			return err
		}
		var st struct {
			Tasks []struct{ Status string } `xml:"Tasks>Task"`
		}
		if err := xml.Unmarshal(res.body, &st); err != nil {
			return &odpsError{Message: "the task status is not XML: " + err.Error()}
		}
		done := len(st.Tasks) > 0
		for _, t := range st.Tasks {
			switch strings.ToLower(t.Status) {
			case "waiting", "running":
				done = false
			}
		}
		if done {
			return nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
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
		return "", &odpsError{Message: "the query result is not CSV: " + err.Error()}
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

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return &exitError{code: ExitFailed, msg: "interrupted"}
	case <-t.C:
		return nil
	}
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
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
