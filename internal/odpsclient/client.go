// Package odpsclient runs MaxCompute statements over the ODPS REST API the
// way odpscmd and the ODPS SDKs do: security statements (add user, grant,
// show grants, list users, whoami, ...) on a project's authorization
// endpoint, everything else as an SQL job submitted with ?tryWait, whose
// task status is polled until it ends and whose result is then fetched.
//
// It is the client of `localyun odps` and of `localyun demo`. Create a
// Client with its fields set, then call Run, Security or SQL; a Client is
// safe for concurrent use once built.
package odpsclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
)

// Client sends signed ODPS requests for one project.
type Client struct {
	// HTTP sends the requests (default: a client with a 120 s timeout).
	HTTP *http.Client
	// Root is scheme://host of the server; Path the ODPS API's path on it,
	// e.g. /odps/api.
	Root, Path string
	Creds      odpsauth.Credentials
	// V4 signs with the v4 scheme for Region; otherwise v2.
	V4      bool
	Region  string
	Project string
	// PollInterval is how often a running job or authorization query is
	// polled (default one second, as the SDKs do).
	PollInterval time.Duration
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// Error is a refusal by the server (its ODPS error code and message) or a
// failed statement (its message, Code empty).
type Error struct {
	Code, Message string
}

func (e *Error) Error() string {
	if strings.HasPrefix(e.Message, "ODPS-") || e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// ErrInvalidRequest wraps the errors of requests that cannot be built or
// signed (bad credentials or region): the caller's input, not the server.
var ErrInvalidRequest = errors.New("invalid request")

// UnreachableError is a request that got no answer from the server.
type UnreachableError struct {
	Endpoint string
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the ODPS endpoint %s: %v (is `localyun serve` running?)", e.Endpoint, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Endpoint is the ODPS endpoint URL, Root + Path.
func (c *Client) Endpoint() string { return c.Root + c.Path }

// Response is a 2xx answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// maxAnswer bounds an answer's body.
const maxAnswer = 256 << 20

// Do sends a signed request to resource under the project (e.g.
// "/authorization") and returns a 2xx answer, or the *Error it carries.
func (c *Client) Do(ctx context.Context, method, resource, query string, body []byte) (*Response, error) {
	p := c.Path + "/projects/" + url.PathEscape(c.Project) + resource
	h := http.Header{"User-Agent": {"localyun-odps"}, "x-odps-user-agent": {"localyun-odps"}}
	if body != nil {
		h.Set("Content-Type", "application/xml")
	}
	q := "curr_project=" + url.QueryEscape(c.Project)
	if query != "" {
		q = query + "&" + q
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sr := &odpsauth.Request{Method: method, Path: p, RawQuery: q, Header: h}
	var err error
	if c.V4 {
		region := c.Region
		if region == "" {
			region = "cn-hangzhou"
		}
		err = odpsauth.SignV4(sr, c.Path, c.Creds, region, now())
	} else {
		err = odpsauth.SignV2(sr, c.Path, c.Creds, now())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Root+p+"?"+q, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	req.Header = http.Header(sr.Header)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 120 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, &UnreachableError{Endpoint: c.Endpoint(), Err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Code, Message string
		}
		if xml.Unmarshal(data, &e) != nil || e.Code == "" {
			return nil, &Error{Code: res.Status, Message: res.Status + ": " + strings.TrimSpace(string(data))}
		}
		return nil, &Error{Code: e.Code, Message: e.Message}
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

// Output is what one statement answered.
type Output struct {
	// Security is set for a statement run on the authorization endpoint.
	Security bool
	// Format is the SQL result's format ("csv" for query rows, with a
	// header line; "" or "text" otherwise).
	Format string
	// Text is the result: the authorization answer (empty for a statement
	// that answers nothing, such as add user), or the job's result.
	Text string
}

// Run runs one statement: a security statement on the authorization
// endpoint, anything else as an SQL job with the settings (hints) given.
func (c *Client) Run(ctx context.Context, stmt string, settings map[string]string) (Output, error) {
	if sqlparse.IsSecurityText(stmt) {
		text, err := c.Security(ctx, stmt)
		return Output{Security: true, Text: text}, err
	}
	return c.SQL(ctx, stmt, settings, nil)
}

// Security runs a statement on the authorization endpoint and returns its
// result; an answer 201 is polled until it is Terminated or Failed.
func (c *Client) Security(ctx context.Context, text string) (string, error) {
	body, _ := xml.Marshal(struct {
		XMLName              xml.Name `xml:"Authorization"`
		Query                string   `xml:"Query"`
		ResponseInJSONFormat bool     `xml:"ResponseInJsonFormat"`
	}{Query: text})
	res, err := c.Do(ctx, "POST", "/authorization", "", body)
	if err != nil {
		return "", err
	}
	var out struct{ Result string }
	if err := xml.Unmarshal(res.Body, &out); err != nil {
		return "", &Error{Message: "the authorization answer is not XML: " + err.Error()}
	}
	if res.Status == 200 {
		return out.Result, nil
	}
	for {
		res, err := c.Do(ctx, "GET", "/authorization/"+url.PathEscape(out.Result), "", nil)
		if err != nil {
			return "", err
		}
		var q struct{ Result, Status string }
		if err := xml.Unmarshal(res.Body, &q); err != nil {
			return "", &Error{Message: "the authorization query's answer is not XML: " + err.Error()}
		}
		switch q.Status {
		case "Terminated":
			return q.Result, nil
		case "Failed":
			return "", &Error{Message: q.Result}
		}
		if err := c.sleep(ctx); err != nil {
			return "", err
		}
	}
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

// SQL runs a statement as an SQL job: submitted with ?tryWait; when it is
// not finished at the answer, onInstance (if not nil) is told the
// instance's id, its task status is polled, then its result fetched. A
// failed job is an *Error with the job's message.
func (c *Client) SQL(ctx context.Context, text string, settings map[string]string, onInstance func(id string)) (Output, error) {
	type property struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	}
	config := []property{{"type", "sql"}}
	if len(settings) > 0 {
		s, _ := json.Marshal(settings)
		config = append(config, property{"settings", string(s)})
	}
	config = append(config, property{"uuid", NewUUID()})
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
	res, err := c.Do(ctx, "POST", "/instances", "tryWait", body)
	if err != nil {
		return Output{}, err
	}
	var tasks struct {
		Tasks []taskResult `xml:"Tasks>Task"`
	}
	if res.Status == 200 {
		if err := xml.Unmarshal(res.Body, &tasks); err != nil {
			return Output{}, &Error{Message: "the instance answer is not XML: " + err.Error()}
		}
	} else {
		loc := res.Header.Get("Location")
		id := loc[strings.LastIndex(loc, "/")+1:]
		if id == "" {
			return Output{}, &Error{Message: "the server answered without the instance's Location"}
		}
		if onInstance != nil {
			onInstance(id)
		}
		if err := c.waitInstance(ctx, id); err != nil {
			return Output{}, err
		}
		res, err := c.Do(ctx, "GET", "/instances/"+url.PathEscape(id), "result", nil)
		if err != nil {
			return Output{}, err
		}
		if err := xml.Unmarshal(res.Body, &tasks); err != nil {
			return Output{}, &Error{Message: "the instance result is not XML: " + err.Error()}
		}
	}
	if len(tasks.Tasks) == 0 {
		return Output{}, &Error{Message: "the instance has no task result"}
	}
	t := tasks.Tasks[0]
	content := t.content()
	if s := strings.ToLower(t.Status); s != "" && s != "success" {
		return Output{}, &Error{Message: content}
	}
	return Output{Format: t.Result.Format, Text: content}, nil
}

// waitInstance polls the task status until every task has ended.
func (c *Client) waitInstance(ctx context.Context, id string) error {
	for {
		res, err := c.Do(ctx, "GET", "/instances/"+url.PathEscape(id), "taskstatus", nil)
		if err != nil {
			return err
		}
		var st struct {
			Tasks []struct{ Status string } `xml:"Tasks>Task"`
		}
		if err := xml.Unmarshal(res.Body, &st); err != nil {
			return &Error{Message: "the task status is not XML: " + err.Error()}
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
		if err := c.sleep(ctx); err != nil {
			return err
		}
	}
}

// sleep waits one poll interval; it returns ctx's error when ctx ends
// first.
func (c *Client) sleep(ctx context.Context) error {
	d := c.PollInterval
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewUUID returns a random (version 4) UUID, as the SDKs put in a job's
// configuration.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
