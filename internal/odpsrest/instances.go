package odpsrest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
)

// jobXML is the body of POST /projects/{p}/instances (reference/
// maxcompute.md §4.7): <Instance><Job>[<Name/>][<Comment/>]<Priority/>
// [<Guid/>]<Tasks><SQL>...</SQL>...</Tasks></Job></Instance>.
type jobXML struct {
	XMLName xml.Name `xml:"Instance"`
	Job     *struct {
		Name     string `xml:"Name"`
		Comment  string `xml:"Comment"`
		Priority string `xml:"Priority"`
		Guid     string `xml:"Guid"`
		Tasks    struct {
			Tasks []taskXML `xml:",any"`
		} `xml:"Tasks"`
	} `xml:"Job"`
}

// taskXML is one task: the element name is its type (SQL; SQLCost,
// SQLPlan, SQLRT, Merge, AdminTask are not run by localyun).
type taskXML struct {
	XMLName xml.Name
	Name    string     `xml:"Name"`
	Comment string     `xml:"Comment"`
	Config  []property `xml:"Config>Property"`
	Query   string     `xml:"Query"`
}

// Job limits.
const (
	maxTasks       = 16
	maxTaskNameLen = 256
)

var taskNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

// parseJob reads and checks a Job XML document.
func parseJob(body []byte) ([]*task, int, error) {
	var in jobXML
	if err := xml.Unmarshal(body, &in); err != nil {
		return nil, 0, invalid("the body is not an <Instance><Job> XML document: %v", err)
	}
	if in.Job == nil {
		return nil, 0, invalid("the <Instance> has no <Job>")
	}
	priority := 9
	if p := strings.TrimSpace(in.Job.Priority); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 9 {
			return nil, 0, invalid("the job priority must be 0 to 9, got %q", clipText(p))
		}
		priority = n
	}
	tasks := in.Job.Tasks.Tasks
	switch {
	case len(tasks) == 0:
		return nil, 0, invalid("the job has no task: <Tasks><SQL><Name/><Query/></SQL></Tasks>")
	case len(tasks) > maxTasks:
		return nil, 0, invalid("a job has at most %d tasks, got %d", maxTasks, len(tasks))
	}
	var out []*task
	seen := map[string]bool{}
	for _, tx := range tasks {
		if tx.XMLName.Local != "SQL" {
			return nil, 0, notSupported("task type %s is not supported by localyun: submit SQL tasks (<SQL>)", clipText(tx.XMLName.Local))
		}
		name := strings.TrimSpace(tx.Name)
		if name == "" {
			name = "AnonymousSQLTask"
		}
		if len(name) > maxTaskNameLen || !taskNamePattern.MatchString(name) {
			return nil, 0, invalid("invalid task name %q: letters, digits, '_', '.' and '-'", clipText(name))
		}
		if seen[strings.ToLower(name)] {
			return nil, 0, invalid("the task name %s is used twice in the job", name)
		}
		seen[strings.ToLower(name)] = true
		if strings.TrimSpace(tx.Query) == "" {
			return nil, 0, invalid("task %s has an empty <Query>", name)
		}
		t := &task{name: name, typ: "SQL", query: tx.Query, settings: map[string]string{}, status: taskWaiting}
		for _, p := range tx.Config {
			switch p.Name {
			case "type":
				if v := strings.ToLower(strings.TrimSpace(p.Value)); v != "" && v != "sql" {
					return nil, 0, notSupported("task %s has type %q: localyun runs SQL tasks only", name, clipText(p.Value))
				}
			case "settings":
				if strings.TrimSpace(p.Value) == "" {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(p.Value), &m); err != nil {
					return nil, 0, invalid("the settings of task %s are not a JSON object: %v", name, err)
				}
				for k, v := range m {
					t.settings[k] = fmt.Sprint(v)
				}
			}
		}
		out = append(out, t)
	}
	return out, priority, nil
}

// newInstanceID makes an id in MaxCompute's shape: yyyyMMddHHmmssSSS (UTC)
// then 10 random lower-case letters and digits.
func (h *Handler) newInstanceID(now time.Time) string {
	now = now.UTC()
	return now.Format("20060102150405") + fmt.Sprintf("%03d", now.Nanosecond()/1e6) + h.randomString(lowerAlnum, 10)
}

// createInstance is POST /projects/{p}/instances[?tryWait]. The job runs
// in the background; with ?tryWait the answer waits up to TryWait for it,
// and a finished job is answered 200 with its tasks' statuses and results.
// Otherwise the answer is 201. Both carry Location, which the Go SDK
// requires (§6.7).
func (h *Handler) createInstance(ctx context.Context, c *call) (*response, error) {
	tasks, priority, err := parseJob(c.body)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.GetProject(ctx, c.params["p"])
	if err != nil {
		return nil, err
	}
	who, err := maxcompute.PrincipalOf(c.caller)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(h.base, h.opts.InstanceTimeout)
	inst := &instance{id: h.newInstanceID(c.now), project: p.Name, projectOwner: p.Owner, caller: c.caller, who: who,
		priority: priority, start: c.now, tasks: tasks, status: instanceRunning, done: make(chan struct{}), cancel: cancel}
	if err := h.jobs.add(inst, c.now); err != nil {
		cancel()
		return nil, err
	}
	c.resource = "acs:odps:*:projects/" + p.Name + "/instances/" + inst.id
	meta := c.meta()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer cancel()
		h.run(runCtx, inst, meta)
	}()
	location := c.location + "/projects/" + p.Name + "/instances/" + inst.id
	if c.has("tryWait") {
		t := time.NewTimer(h.opts.TryWait)
		defer t.Stop()
		select {
		case <-inst.done:
			v := h.jobs.snapshot(inst)
			resp, err := xmlResponse(200, resultsXML(v, true))
			if err != nil {
				return nil, err
			}
			return resp.set("Location", location), nil
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return textResponse(201, "", "").set("Location", location), nil
}

// run executes an instance's tasks in order; a failed task cancels the
// ones after it.
func (h *Handler) run(ctx context.Context, inst *instance, meta maxcompute.Meta) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic running an instance", "request_id", meta.RequestID, "instance", inst.id, "panic", p)
			for _, t := range inst.tasks {
				h.jobs.setTask(t, func(t *task) {
					if t.status == taskRunning {
						t.status, t.result, t.format, t.end = taskFailed, "ODPS-0010000: System internal error - the server log has it under instance "+inst.id, "text", h.now()
					}
				})
			}
		}
		h.jobs.finish(inst, h.now())
	}()
	for _, t := range inst.tasks {
		if ctx.Err() != nil {
			break
		}
		h.jobs.setTask(t, func(t *task) { t.status, t.start = taskRunning, h.now() })
		out, format, err := h.runTask(ctx, inst, t, meta)
		status := taskSuccess
		switch {
		case err != nil && h.jobs.wasTerminated(inst):
			status, out, format = taskCancelled, "Instance "+inst.id+" was terminated by request: the statement was stopped and its changes, if any, were not committed.", "text"
		case err != nil && errors.Is(ctx.Err(), context.Canceled):
			status, out, format = taskCancelled, "Instance "+inst.id+" was stopped because the server is shutting down: its changes, if any, were not committed.", "text"
		case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			status, out, format = taskFailed, fmt.Sprintf("ODPS-0123131: Execution exception - instance %s ran longer than its limit of %s", inst.id, h.opts.InstanceTimeout), "text"
		case err != nil:
			status, out, format = taskFailed, failureText(err), "text"
			if _, internal := toError(err); internal {
				h.log.Error("instance task failed", "request_id", meta.RequestID, "instance", inst.id, "task", t.name, "err", err)
			}
		}
		out = capResult(out, format, h.opts.MaxResultBytes)
		h.jobs.setTask(t, func(t *task) { t.status, t.result, t.format, t.end = status, out, format, h.now() })
		if status != taskSuccess {
			break
		}
	}
}

// runTask runs the statements of a task's query in order and returns the
// last one's output: CSV with a header for a query, text otherwise.
// `set key=value;` statements set task settings, as odpscmd's do.
func (h *Handler) runTask(ctx context.Context, inst *instance, t *task, meta maxcompute.Meta) (string, string, error) {
	pieces, err := sqlparse.Split(t.query)
	if err != nil {
		return "", "", &maxcompute.StatementError{Text: err.Error()}
	}
	if len(pieces) == 0 {
		return "", "", &maxcompute.StatementError{Text: "ODPS-0130161:[1,1] Parse exception - the query of task " + t.name + " has no statement"}
	}
	settings := map[string]string{}
	for k, v := range t.settings {
		settings[k] = v
	}
	out, format := "OK", "text"
	for _, pc := range pieces {
		if ctx.Err() != nil {
			return "", "", ctx.Err()
		}
		if k, v, ok := setStatement(pc.Text); ok {
			settings[k] = v
			out, format = "OK", "text"
			continue
		}
		stmt, err := sqlparse.Parse(pc.Text)
		if err != nil {
			return "", "", &maxcompute.StatementError{Text: placeError(err, pc).Error()}
		}
		if sqlast.IsSecurity(stmt) {
			text, err := h.svc.ApplySecurity(ctx, inst.caller, inst.project, stmt, meta)
			if err != nil {
				return "", "", err
			}
			if strings.EqualFold(settings["odps.auth.query.format"], "json") {
				text = jsonOutput(stmt, text)
			} else if text == "" {
				text = "OK"
			}
			out, format = text, "text"
			continue
		}
		res, err := h.svc.RunStatement(ctx, inst.caller, inst.project, stmt, meta)
		if err != nil {
			return "", "", err
		}
		if res.IsQuery {
			out, format = csvCapped(res, h.opts.MaxResultBytes), "csv"
		} else {
			out, format = res.Text, "text"
		}
	}
	return out, format, nil
}

// placeError moves a parse error's position from the statement to the
// task's query.
func placeError(err error, pc sqlparse.Piece) error {
	var pe *sqlparse.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	placed := *pe
	if placed.Line == 1 {
		placed.Col += pc.Col - 1
	}
	placed.Line += pc.Line - 1
	return &placed
}

var setPattern = regexp.MustCompile(`(?is)^set\s+([A-Za-z0-9_.\-]+)\s*=\s*(.*)$`)

// setStatement recognises `set key=value` (not SET LABEL, a security
// statement).
func setStatement(text string) (string, string, bool) {
	if sqlparse.IsSecurityText(text) {
		return "", "", false
	}
	m := setPattern.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[2]), true
}

// csvCapped writes a query result as CSV with a header, keeping as many
// rows as fit in max bytes (halving until they do).
func csvCapped(res *maxcompute.Result, max int) string {
	out := res.CSV()
	rows := res.Rows
	for len(out) > max && len(rows) > 0 {
		rows = rows[:len(rows)/2]
		cut := *res
		cut.Rows = rows
		out = cut.CSV()
	}
	return out
}

// capResult bounds a text result (an error message or a listing).
func capResult(out, format string, max int) string {
	if format == "csv" || len(out) <= max {
		return out
	}
	cut := out[:max]
	for !utf8.ValidString(cut) && len(cut) > 0 {
		cut = cut[:len(cut)-1]
	}
	return cut + "\n... (output cut at " + strconv.Itoa(max) + " bytes)"
}

// --- responses ---

type instanceStatusXML struct {
	XMLName xml.Name `xml:"Instance"`
	Status  string   `xml:"Status"`
}

type taskStatusXML struct {
	Type      string `xml:"Type,attr"`
	Name      string `xml:"Name"`
	StartTime string `xml:"StartTime"`
	EndTime   string `xml:"EndTime"`
	Status    string `xml:"Status"`
}

type taskStatusesXML struct {
	XMLName xml.Name        `xml:"Instance"`
	Status  string          `xml:"Status"`
	Tasks   []taskStatusXML `xml:"Tasks>Task"`
}

type taskResultXML struct {
	Type   string        `xml:"Type,attr"`
	Name   string        `xml:"Name"`
	Status string        `xml:"Status,omitempty"`
	Result resultContent `xml:"Result"`
}

// resultContent is a task's result in CDATA, or base64 (Transform="Base64")
// when the text holds characters XML cannot carry.
type resultContent struct {
	Transform string `xml:"Transform,attr,omitempty"`
	Format    string `xml:"Format,attr,omitempty"`
	Content   string `xml:",cdata"`
}

type taskResultsXML struct {
	XMLName xml.Name        `xml:"Instance"`
	Tasks   []taskResultXML `xml:"Tasks>Task"`
}

func newResultContent(text, format string) resultContent {
	if xmlSafe(text) {
		return resultContent{Format: format, Content: text}
	}
	return resultContent{Transform: "Base64", Format: format, Content: base64.StdEncoding.EncodeToString([]byte(text))}
}

// xmlSafe reports whether every character of s may appear in an XML
// document.
func xmlSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}

func resultsXML(v instanceView, withStatus bool) taskResultsXML {
	out := taskResultsXML{}
	for _, t := range v.tasks {
		x := taskResultXML{Type: t.typ, Name: t.name, Result: newResultContent(t.result, t.format)}
		if withStatus {
			x.Status = t.status
		}
		out.Tasks = append(out.Tasks, x)
	}
	return out
}

// instanceFor finds the instance of a request, or NoSuchObject.
func (h *Handler) instanceFor(c *call) (*instance, error) {
	inst := h.jobs.get(c.params["p"], c.params["id"], c.caller, h.now())
	if inst == nil {
		return nil, &Error{Status: 404, Code: codeNoSuchObject, Message: fmt.Sprintf(
			"Instance not found - %s in project %s. Instances are visible to their creator and the project owner, and kept for %s after they end.",
			clipText(c.params["id"]), c.params["p"], h.opts.Retention)}
	}
	return inst, nil
}

// getInstance is GET /projects/{p}/instances/{id}: the status, and the
// owner and times in x-odps-owner, x-odps-start-time, x-odps-end-time.
func (h *Handler) getInstance(ctx context.Context, c *call) (*response, error) {
	inst, err := h.instanceFor(c)
	if err != nil {
		return nil, err
	}
	v := h.jobs.snapshot(inst)
	resp, err := xmlResponse(200, instanceStatusXML{Status: v.status})
	if err != nil {
		return nil, err
	}
	resp.set("x-odps-owner", v.who).set("x-odps-start-time", gmt(v.start))
	if !v.end.IsZero() {
		resp.set("x-odps-end-time", gmt(v.end))
	}
	return resp, nil
}

func (h *Handler) getTaskStatus(ctx context.Context, c *call) (*response, error) {
	inst, err := h.instanceFor(c)
	if err != nil {
		return nil, err
	}
	v := h.jobs.snapshot(inst)
	out := taskStatusesXML{Status: v.status}
	for _, t := range v.tasks {
		out.Tasks = append(out.Tasks, taskStatusXML{Type: t.typ, Name: t.name, StartTime: gmt(t.start), EndTime: gmt(t.end), Status: t.status})
	}
	return xmlResponse(200, out)
}

// getInstanceResult is GET ...?result: every task's result so far (a
// running task's is empty); a failed task's is its error text.
func (h *Handler) getInstanceResult(ctx context.Context, c *call) (*response, error) {
	inst, err := h.instanceFor(c)
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, resultsXML(h.jobs.snapshot(inst), true))
}

// terminateInstance is PUT /projects/{p}/instances/{id} with
// <Instance><Status>Terminated</Status></Instance>; a finished instance
// stays as it is.
func (h *Handler) terminateInstance(ctx context.Context, c *call) (*response, error) {
	var in instanceStatusXML
	if err := xml.Unmarshal(c.body, &in); err != nil || !strings.EqualFold(strings.TrimSpace(in.Status), instanceTerminated) {
		return nil, invalid("to stop an instance, PUT <Instance><Status>Terminated</Status></Instance>")
	}
	inst, err := h.instanceFor(c)
	if err != nil {
		return nil, err
	}
	h.jobs.terminate(inst)
	return textResponse(200, "", ""), nil
}

// listInstances is GET /projects/{p}/instances: the caller's instances
// (every instance for the project owner), filtered by ?status.
func (h *Handler) listInstances(ctx context.Context, c *call) (*response, error) {
	if _, err := h.svc.GetProject(ctx, c.params["p"]); err != nil {
		return nil, err
	}
	status := c.query.Get("status")
	type item struct {
		Name      string `xml:"Name"`
		Owner     string `xml:"Owner"`
		StartTime string `xml:"StartTime"`
		EndTime   string `xml:"EndTime"`
		Status    string `xml:"Status"`
	}
	out := struct {
		XMLName   xml.Name `xml:"Instances"`
		Marker    string   `xml:"Marker"`
		MaxItems  int      `xml:"MaxItems"`
		Instances []item   `xml:"Instance"`
	}{MaxItems: h.opts.MaxInstances}
	for _, inst := range h.jobs.list(c.params["p"], c.caller, h.now()) {
		v := h.jobs.snapshot(inst)
		if status != "" && !strings.EqualFold(status, v.status) {
			continue
		}
		out.Instances = append(out.Instances, item{Name: v.id, Owner: v.who, StartTime: gmt(v.start), EndTime: gmt(v.end), Status: v.status})
	}
	return xmlResponse(200, out)
}
