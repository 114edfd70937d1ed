package odpsrest

import (
	"context"
	"net/url"
	"sort"
	"strings"
)

// route declares one operation of the API: method, path pattern
// ("{name}" segments are parameters), the bare query flag that selects it
// (?partitions, ?taskstatus, ...; "" for the resource itself), the name
// the audit trail records (odps:<Name>) and the handler. The pipeline
// matches them in order, so a route with a flag comes before the same
// path without one.
type route struct {
	method  string
	pattern []string
	flags   []string // any of them selects the route
	name    string
	doc     string
	handle  func(ctx context.Context, c *call) (*response, error)
}

func on(method, pattern, flags, name, doc string, h func(context.Context, *call) (*response, error)) route {
	var fl []string
	if flags != "" {
		fl = strings.Split(flags, "|")
	}
	return route{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), flags: fl, name: name, doc: doc, handle: h}
}

// declare lists the operations served (reference/maxcompute.md §4.1).
func (h *Handler) declare() []route {
	return []route{
		on("GET", "/projects", "", "ListProjects", "the projects of the caller's account", h.listProjects),

		on("GET", "/projects/{p}", "security_configuration|security_configuration_without_exception_policy", "GetSecurityConfiguration",
			"the project's security configuration (members)", h.getSecurityConfiguration),
		on("PUT", "/projects/{p}", "security_configuration", "SetSecurityConfiguration",
			"changes the security configuration (owner only)", h.putSecurityConfiguration),
		on("GET", "/projects/{p}", "policy", "GetProjectPolicy", "the project policy (owner and admins)", h.getProjectPolicy),
		on("PUT", "/projects/{p}", "policy", "SetProjectPolicy", "replaces the project policy (owner and admins)", h.putProjectPolicy),
		on("GET", "/projects/{p}", "security_policy", "GetSecurityPolicy", "not supported", h.unsupported("security policies (?security_policy) are not supported by localyun; use the project policy (?policy)")),
		on("PUT", "/projects/{p}", "security_policy", "SetSecurityPolicy", "not supported", h.unsupported("security policies (?security_policy) are not supported by localyun; use the project policy (?policy)")),
		on("GET", "/projects/{p}", "", "GetProject", "the project (members)", h.getProject),
		on("PUT", "/projects/{p}", "", "UpdateProject", "project properties: none are supported", h.putProject),

		on("GET", "/projects/{p}/tables", "", "ListTables", "the tables (List on the project)", h.listTables),
		on("POST", "/projects/{p}/tables", "query", "BatchLoadTables", "up to 100 tables (Describe on each)", h.batchLoadTables),
		on("GET", "/projects/{p}/tables/{t}", "downloads|downloadid|uploads|uploadid", "Tunnel", "not supported", h.tunnel),
		on("POST", "/projects/{p}/tables/{t}", "downloads|downloadid|uploads|uploadid", "Tunnel", "not supported", h.tunnel),
		on("PUT", "/projects/{p}/tables/{t}", "downloads|downloadid|uploads|uploadid", "Tunnel", "not supported", h.tunnel),
		on("GET", "/projects/{p}/tables/{t}", "partitions", "ListPartitions", "the partitions (Describe on the table)", h.listPartitions),
		on("GET", "/projects/{p}/tables/{t}", "partition", "GetPartition", "one partition (Describe on the table)", h.getPartition),
		on("GET", "/projects/{p}/tables/{t}", "", "GetTable", "the table and its schema JSON (Describe on the table)", h.getTable),

		on("GET", "/projects/{p}/users", "", "ListUsers", "the users (members)", h.listUsers),
		on("GET", "/projects/{p}/users/{u}", "roles", "ListRolesForUser", "a user's roles (members)", h.listRolesForUser),
		on("GET", "/projects/{p}/users/{u}", "", "GetUser", "one user by id or display name (members)", h.getUser),
		on("GET", "/projects/{p}/roles", "", "ListRoles", "the roles (members)", h.listRoles),
		on("GET", "/projects/{p}/roles/{r}", "users|usesrs", "ListUsersForRole", "a role's users (members)", h.listUsersForRole),
		on("GET", "/projects/{p}/roles/{r}", "policy", "GetRolePolicy", "a role's policy (owner and admins)", h.getRolePolicy),
		on("PUT", "/projects/{p}/roles/{r}", "policy", "SetRolePolicy", "replaces a role's policy (owner and admins)", h.putRolePolicy),
		on("GET", "/projects/{p}/roles/{r}", "", "GetRole", "one role (members)", h.getRole),

		on("GET", "/projects/{p}/auth", "", "CheckPermission", "permission check, v0 form", h.checkPermissionV0),
		on("POST", "/projects/{p}/auth", "", "CheckPermission", "permission check, v1 form (JSON)", h.checkPermissionV1),
		on("POST", "/projects/{p}/authorization", "sign_bearer_token", "SignBearerToken", "not supported", h.unsupported("bearer tokens (?sign_bearer_token) are not supported by localyun: sign requests with an AccessKey or STS credentials")),
		on("POST", "/projects/{p}/authorization", "", "RunSecurityQuery", "runs a security statement", h.runSecurityQuery),
		on("GET", "/projects/{p}/authorization/{id}", "", "GetSecurityQuery", "the state of an asynchronous security statement", h.getSecurityQuery),

		on("POST", "/projects/{p}/instances", "", "CreateInstance", "submits a job of SQL tasks", h.createInstance),
		on("GET", "/projects/{p}/instances", "", "ListInstances", "the caller's instances (all, for the owner)", h.listInstances),
		on("GET", "/projects/{p}/instances/{id}", "taskstatus", "GetTaskStatus", "the tasks' statuses", h.getTaskStatus),
		on("GET", "/projects/{p}/instances/{id}", "result", "GetInstanceResult", "the tasks' results", h.getInstanceResult),
		on("GET", "/projects/{p}/instances/{id}", "instanceprogress|instancedetail|instancesummary|instancequota|cached|downloads|downloadid",
			"GetInstanceDetail", "not supported", h.unsupported("instance progress, details, summaries, quotas and the instance tunnel are not supported by localyun; read the result with ?result (up to 10,000 rows)")),
		on("POST", "/projects/{p}/instances/{id}", "downloads", "Tunnel", "not supported", h.tunnel),
		on("GET", "/projects/{p}/instances/{id}", "", "GetInstance", "the instance's status", h.getInstance),
		on("PUT", "/projects/{p}/instances/{id}", "", "TerminateInstance", "stops a running instance", h.terminateInstance),

		on("GET", "/projects/{p}/tunnel", "", "GetTunnelEndpoint", "not supported", h.tunnel),
	}
}

// match finds the route of a request.
func (h *Handler) match(method string, segments []string, query url.Values) (*route, map[string]string, error) {
	if method == "HEAD" {
		method = "GET"
	}
	pathMatched := false
	for i := range h.routes {
		rt := &h.routes[i]
		params, ok := matchPattern(rt.pattern, segments)
		if !ok || !hasAnyFlag(query, rt.flags) {
			continue
		}
		pathMatched = true
		if rt.method != method {
			continue
		}
		return rt, params, nil
	}
	if pathMatched {
		return nil, nil, &Error{Status: 405, Code: codeMethodNotAllow, Message: "The method " + method + " is not allowed on this resource."}
	}
	return nil, nil, &Error{Status: 404, Code: codeNoSuchObject,
		Message: "The resource /" + strings.Join(segments, "/") + " is not served by localyun's ODPS API; docs/maxcompute.md lists the paths it serves."}
}

func matchPattern(pattern, segments []string) (map[string]string, bool) {
	if len(pattern) != len(segments) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segments[i]
			continue
		}
		if p != segments[i] {
			return nil, false
		}
	}
	return params, true
}

func hasAnyFlag(q url.Values, flags []string) bool {
	if len(flags) == 0 {
		return true
	}
	for _, f := range flags {
		if _, ok := q[f]; ok {
			return true
		}
	}
	return false
}

// Operation describes one served operation, for the documentation.
type Operation struct {
	Method, Path, Flags, Name, Doc string
}

// Operations lists the served operations, sorted by path then method.
func (h *Handler) Operations() []Operation {
	var out []Operation
	for _, rt := range h.routes {
		out = append(out, Operation{Method: rt.method, Path: "/" + strings.Join(rt.pattern, "/"), Flags: strings.Join(rt.flags, "|"), Name: rt.name, Doc: rt.doc})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
