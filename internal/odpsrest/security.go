package odpsrest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
)

// userXML is a user of a project; a single user also lists its roles.
type userXML struct {
	XMLName     xml.Name  `xml:"User"`
	ID          string    `xml:"ID"`
	DisplayName string    `xml:"DisplayName"`
	Comment     string    `xml:"Comment"`
	Roles       *rolesRef `xml:"Roles,omitempty"`
}

type rolesRef struct {
	Role []string `xml:"Role"`
}

type usersXML struct {
	XMLName xml.Name  `xml:"Users"`
	Users   []userXML `xml:"User"`
}

type roleXML struct {
	XMLName xml.Name `xml:"Role"`
	Name    string   `xml:"Name"`
	Comment string   `xml:"Comment"`
	Type    string   `xml:"Type"`
}

type rolesXML struct {
	XMLName xml.Name  `xml:"Roles"`
	Roles   []roleXML `xml:"Role"`
}

func (h *Handler) listUsers(ctx context.Context, c *call) (*response, error) {
	ms, err := h.svc.Members(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	out := usersXML{}
	for _, m := range ms {
		out.Users = append(out.Users, userXML{ID: m.ID, DisplayName: m.DisplayName, Comment: m.Comment})
	}
	return xmlResponse(200, out)
}

// getUser is GET /projects/{p}/users/{u}: by id or, with or without
// ?type=displayname, by display name.
func (h *Handler) getUser(ctx context.Context, c *call) (*response, error) {
	m, err := h.svc.Member(ctx, c.caller, c.params["p"], c.params["u"], c.meta())
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, userXML{ID: m.ID, DisplayName: m.DisplayName, Comment: m.Comment, Roles: &rolesRef{Role: m.Roles}})
}

// listRolesForUser is GET /projects/{p}/users/{u}?roles (the Java SDK's
// form; the Go SDK sends no flag and cannot read a <User>, §6.2).
func (h *Handler) listRolesForUser(ctx context.Context, c *call) (*response, error) {
	m, err := h.svc.Member(ctx, c.caller, c.params["p"], c.params["u"], c.meta())
	if err != nil {
		return nil, err
	}
	roles, err := h.svc.Roles(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	out := rolesXML{}
	for _, r := range roles {
		for _, name := range m.Roles {
			if strings.EqualFold(name, r.Name) {
				out.Roles = append(out.Roles, roleXML{Name: r.Name, Type: r.Type})
			}
		}
	}
	return xmlResponse(200, out)
}

func (h *Handler) listRoles(ctx context.Context, c *call) (*response, error) {
	roles, err := h.svc.Roles(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	out := rolesXML{}
	for _, r := range roles {
		out.Roles = append(out.Roles, roleXML{Name: r.Name, Type: r.Type})
	}
	return xmlResponse(200, out)
}

func (h *Handler) getRole(ctx context.Context, c *call) (*response, error) {
	r, err := h.svc.Role(ctx, c.caller, c.params["p"], c.params["r"], c.meta())
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, roleXML{Name: r.Name, Type: r.Type})
}

// listUsersForRole answers ?users and the Go SDK's misspelled ?usesrs
// (§6.1).
func (h *Handler) listUsersForRole(ctx context.Context, c *call) (*response, error) {
	r, err := h.svc.Role(ctx, c.caller, c.params["p"], c.params["r"], c.meta())
	if err != nil {
		return nil, err
	}
	ms, err := h.svc.Members(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	out := usersXML{}
	for _, name := range r.Users {
		u := userXML{ID: name, DisplayName: name}
		for _, m := range ms {
			if strings.EqualFold(m.DisplayName, name) {
				u.ID, u.Comment = m.ID, m.Comment
			}
		}
		out.Users = append(out.Users, u)
	}
	return xmlResponse(200, out)
}

func (h *Handler) getRolePolicy(ctx context.Context, c *call) (*response, error) {
	doc, err := h.svc.RolePolicy(ctx, c.caller, c.params["p"], c.params["r"], c.meta())
	if err != nil {
		return nil, err
	}
	if doc == "" {
		doc = emptyPolicy
	}
	return textResponse(200, "application/json", doc), nil
}

func (h *Handler) putRolePolicy(ctx context.Context, c *call) (*response, error) {
	doc, err := policyBody(c.body)
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetRolePolicy(ctx, c.caller, c.params["p"], c.params["r"], doc, c.meta()); err != nil {
		return nil, err
	}
	return textResponse(200, "", ""), nil
}

// authXML is the answer of a permission check.
type authXML struct {
	XMLName xml.Name `xml:"Auth"`
	Result  string   `xml:"Result"`
	Message string   `xml:"Message"`
}

// checkPermissionV0 is GET /projects/{p}/auth?type=&name=&grantee=<action>.
func (h *Handler) checkPermissionV0(ctx context.Context, c *call) (*response, error) {
	typ := strings.ToLower(c.query.Get("type"))
	action := c.query.Get("grantee")
	if typ == "" || action == "" {
		return nil, invalid("a permission check names type, name and grantee (the action), e.g. ?type=Table&name=t1&grantee=Select")
	}
	return h.decide(ctx, c, []permission{{objType: typ, name: c.query.Get("name"), action: action}})
}

// checkPermissionV1 is POST /projects/{p}/auth with the JSON form
// [{"Action":"Select","Resource":"/projects/p/tables/t"}]. The resource is
// read leniently: the Go SDK builds a function path for instances (§6.5).
func (h *Handler) checkPermissionV1(ctx context.Context, c *call) (*response, error) {
	var in []map[string]any
	if err := json.Unmarshal(c.body, &in); err != nil || len(in) == 0 {
		return nil, invalid(`the body is not a JSON permission list: [{"Action":"Select","Resource":"/projects/<p>/tables/<t>"}]`)
	}
	if len(in) > 100 {
		return nil, invalid("at most 100 permissions are checked at once, got %d", len(in))
	}
	var perms []permission
	for _, m := range in {
		action, _ := m["Action"].(string)
		res, _ := m["Resource"].(string)
		typ, name, project, ok := parseAuthResource(res)
		if action == "" || !ok {
			return nil, invalid("permission %q on %q: give Action and a Resource such as /projects/<p>/tables/<t>", clipText(action), clipText(res))
		}
		if !strings.EqualFold(project, c.params["p"]) {
			return nil, invalid("resource %s is in another project: check it in project %s", clipText(res), clipText(project))
		}
		perms = append(perms, permission{objType: typ, name: name, action: action})
	}
	return h.decide(ctx, c, perms)
}

type permission struct{ objType, name, action string }

// parseAuthResource reads /projects/<p>[/tables/<t>|/registration/functions/<f>|/resources/<r>|/instances/<i>].
func parseAuthResource(res string) (typ, name, project string, ok bool) {
	parts := strings.Split(strings.Trim(res, "/"), "/")
	if len(parts) < 2 || parts[0] != "projects" {
		return "", "", "", false
	}
	project = parts[1]
	switch {
	case len(parts) == 2:
		return "project", project, project, true
	case len(parts) == 4 && parts[2] == "tables":
		return "table", parts[3], project, true
	case len(parts) == 6 && parts[2] == "schemas" && parts[4] == "tables":
		return "table", parts[5], project, true
	case len(parts) == 5 && parts[2] == "registration" && parts[3] == "functions":
		return "function", parts[4], project, true
	case len(parts) == 4 && parts[2] == "resources":
		return "resource", parts[3], project, true
	case len(parts) == 4 && parts[2] == "instances":
		return "instance", parts[3], project, true
	}
	return "", "", "", false
}

// decide answers Allow when every permission is allowed, else Deny with
// the first refusal's text.
func (h *Handler) decide(ctx context.Context, c *call, perms []permission) (*response, error) {
	for _, p := range perms {
		err := h.svc.Authorize(ctx, c.caller, c.params["p"], p.objType, p.name, p.action, c.meta())
		if err == nil {
			continue
		}
		var se *maxcompute.StatementError
		if !errors.As(err, &se) {
			e, _ := toError(err)
			if e.Status >= 500 || e.Code == "NoSuchProject" {
				return nil, err
			}
		}
		return xmlResponse(200, authXML{Result: "Deny", Message: failureText(err)})
	}
	return xmlResponse(200, authXML{Result: "Allow"})
}

// authorizationXML is the body of POST .../authorization and its sync
// answer.
type authorizationXML struct {
	XMLName              xml.Name `xml:"Authorization"`
	Query                string   `xml:"Query,omitempty"`
	ResponseInJSONFormat string   `xml:"ResponseInJsonFormat,omitempty"`
	Settings             string   `xml:"Settings,omitempty"`
	Result               *string  `xml:"Result"`
}

// authQueryXML is GET .../authorization/{id}. Status is exactly Running,
// Terminated or Failed: the Go SDK compares it case-sensitively (§6.4).
type authQueryXML struct {
	XMLName xml.Name `xml:"AuthorizationQuery"`
	Result  string   `xml:"Result"`
	Status  string   `xml:"Status"`
}

// runSecurityQuery is POST /projects/{p}/authorization: one security
// statement (§2.1 path A). A statement that finishes within TryWait is
// answered 200 with its output (empty for OK); otherwise, or with
// Options.AsyncAuthorization, 201 with an id to poll. A refused statement
// answered synchronously is an HTTP error with the ODPS text.
func (h *Handler) runSecurityQuery(ctx context.Context, c *call) (*response, error) {
	var in authorizationXML
	if err := xml.Unmarshal(c.body, &in); err != nil {
		return nil, invalid("the body is not an <Authorization> XML document: %v", err)
	}
	query := strings.TrimSpace(in.Query)
	if query == "" {
		return nil, invalid("the <Query> of the authorization request is empty")
	}
	if in.Settings != "" {
		var settings map[string]any
		if err := json.Unmarshal([]byte(in.Settings), &settings); err != nil {
			return nil, invalid("<Settings> is not a JSON object: %v", err)
		}
	}
	jsonOut := strings.EqualFold(strings.TrimSpace(in.ResponseInJSONFormat), "true")
	stmt, err := sqlparse.Parse(query)
	if err != nil {
		return nil, &maxcompute.StatementError{Text: err.Error()}
	}
	if !sqlast.IsSecurity(stmt) {
		return nil, invalid("%s is not a security statement: run it as an SQL job (POST /projects/%s/instances)", statementKind(stmt), c.params["p"])
	}
	q := h.jobs.newAuthQuery(h.newInstanceID(c.now), c)
	meta := c.meta()
	run := func(ctx context.Context) {
		var out string
		var err error
		defer func() {
			if p := recover(); p != nil {
				h.log.Error("panic running a security statement", "request_id", meta.RequestID, "panic", p)
				out, err = "", &Error{Status: 500, Code: codeInternal, Message: "An internal error occurred; the server log has it under this request id."}
			}
			h.jobs.finishAuthQuery(q, out, err, h.now())
		}()
		out, err = h.svc.ApplySecurity(ctx, c.caller, c.params["p"], stmt, meta)
		if err == nil && jsonOut {
			out = jsonOutput(stmt, out)
		}
	}
	if !h.opts.AsyncAuthorization {
		h.runBounded(ctx, run, q.done)
		select {
		case <-q.done:
			h.jobs.forgetAuthQuery(q)
			if q.err != nil {
				return nil, q.err
			}
			res := q.result
			return xmlResponse(200, authorizationXML{Result: &res})
		default:
		}
	} else {
		h.goBackground(run)
	}
	id := q.id
	return xmlResponse(201, authorizationXML{Result: &id})
}

// getSecurityQuery is GET /projects/{p}/authorization/{id}: its caller
// only.
func (h *Handler) getSecurityQuery(ctx context.Context, c *call) (*response, error) {
	q := h.jobs.authQuery(c.params["p"], c.params["id"], h.now())
	if q == nil || !samePrincipal(q.caller, c.caller) {
		return nil, &Error{Status: 404, Code: codeNoSuchObject,
			Message: fmt.Sprintf("ODPS-0420111: Authorization query not found - %s in project %s (queries are kept for %s)", clipText(c.params["id"]), c.params["p"], h.opts.Retention)}
	}
	select {
	case <-q.done:
		if q.err != nil {
			return xmlResponse(200, authQueryXML{Status: "Failed", Result: failureText(q.err)})
		}
		return xmlResponse(200, authQueryXML{Status: "Terminated", Result: q.result})
	default:
		return xmlResponse(200, authQueryXML{Status: "Running"})
	}
}

// jsonOutput is a statement's output when the client asks for JSON
// (ResponseInJsonFormat, or odps.auth.query.format=json on the SQL path):
// whoami is JSON already; show grants gives its roles, as the Java SDK's
// tests read them, and the text; everything else {"result": text}. The
// real service's JSON shapes are unconfirmed (reference/maxcompute.md
// §2.3): these are localyun's.
func jsonOutput(stmt sqlast.Statement, out string) string {
	switch stmt.(type) {
	case *sqlast.Whoami:
		return out
	case *sqlast.ShowGrants:
		roles := []string{}
		lines := strings.Split(out, "\n")
		for i := 0; i < len(lines); i++ {
			if lines[i] != "[roles]" {
				continue
			}
			for i++; i < len(lines) && lines[i] != ""; i++ {
				roles = append(roles, lines[i])
			}
			break
		}
		data, _ := json.Marshal(map[string]any{"Roles": roles, "result": out})
		return string(data)
	}
	data, _ := json.Marshal(map[string]string{"result": out})
	return string(data)
}

// statementKind names a statement for messages: SELECT, CREATE TABLE, ...
func statementKind(stmt sqlast.Statement) string {
	name := fmt.Sprintf("%T", stmt)
	return "a " + name[strings.LastIndex(name, ".")+1:] + " statement"
}

// runBounded runs fn in the background and waits until it signals done,
// the wait ends (TryWait) or the request goes away; fn keeps running in
// the background after that.
func (h *Handler) runBounded(ctx context.Context, fn func(context.Context), done <-chan struct{}) {
	h.goBackground(fn)
	t := time.NewTimer(h.opts.TryWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// goBackground runs fn on the handler's base context, so Close can stop
// and wait for it.
func (h *Handler) goBackground(fn func(context.Context)) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		fn(h.base)
	}()
}
