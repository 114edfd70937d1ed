package odpsrest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/security"
)

// property is a <Property><Name/><Value/></Property>.
type property struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

// projectXML is GET /projects/{p} (and an item of GET /projects, which
// also carries Owner and the times in the body; GET /projects/{p} puts them
// in headers).
type projectXML struct {
	XMLName          xml.Name   `xml:"Project"`
	Name             string     `xml:"Name"`
	Type             string     `xml:"Type"`
	Comment          string     `xml:"Comment"`
	State            string     `xml:"State"`
	ProjectGroupName string     `xml:"ProjectGroupName"`
	Properties       []property `xml:"Properties>Property"`
	Owner            string     `xml:"Owner,omitempty"`
	CreationTime     string     `xml:"CreationTime,omitempty"`
	LastModifiedTime string     `xml:"LastModifiedTime,omitempty"`
	Region           string     `xml:"Region"`
}

type projectsXML struct {
	XMLName  xml.Name     `xml:"Projects"`
	Projects []projectXML `xml:"Project"`
	Marker   string       `xml:"Marker"`
	MaxItems int          `xml:"MaxItems"`
}

// ownerDisplay is the owner as x-odps-owner and the XML show it.
func ownerDisplay(uid string) string { return principal.Canonical(principal.Account, uid, "") }

func newProjectXML(p maxcompute.ProjectInfo, withOwner bool) projectXML {
	x := projectXML{Name: p.Name, Type: "managed", Comment: p.Comment, State: "AVAILABLE", Region: p.Region,
		Properties: []property{
			{Name: "odps.sql.type.system.odps2", Value: "true"},
			{Name: "odps.sql.decimal.odps2", Value: "true"},
			{Name: "odps.sql.hive.compatible", Value: "false"},
		}}
	if withOwner {
		x.Owner = ownerDisplay(p.Owner)
		x.CreationTime = gmt(p.CreatedAt)
		x.LastModifiedTime = gmt(p.CreatedAt)
	}
	return x
}

// listProjects is GET /projects: the projects of the caller's account
// (owned by it), filtered by the name prefix, paged by name.
func (h *Handler) listProjects(ctx context.Context, c *call) (*response, error) {
	ps, err := h.svc.ListProjects(ctx, c.caller.Account)
	if err != nil {
		return nil, err
	}
	prefix := strings.ToLower(c.query.Get("name"))
	marker := strings.ToLower(c.query.Get("marker"))
	max, err := maxItems(c, 1000)
	if err != nil {
		return nil, err
	}
	out := projectsXML{MaxItems: max}
	for _, p := range ps {
		key := strings.ToLower(p.Name)
		if !strings.HasPrefix(key, prefix) || marker != "" && key <= marker {
			continue
		}
		if len(out.Projects) == max {
			out.Marker = out.Projects[len(out.Projects)-1].Name
			break
		}
		out.Projects = append(out.Projects, newProjectXML(p, true))
	}
	return xmlResponse(200, out)
}

// maxItems reads ?maxitems (default def, at most 1000... or def when
// larger).
func maxItems(c *call, def int) (int, error) {
	v := c.query.Get("maxitems")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, invalid("maxitems must be a positive number, got %q", clipText(v))
	}
	return min(n, def), nil
}

// getProject is GET /projects/{p}: members only; owner and times in
// headers (x-odps-owner, x-odps-creation-time, Last-Modified).
func (h *Handler) getProject(ctx context.Context, c *call) (*response, error) {
	p, err := h.svc.ProjectFor(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	resp, err := xmlResponse(200, newProjectXML(p, false))
	if err != nil {
		return nil, err
	}
	return resp.set("x-odps-owner", ownerDisplay(p.Owner)).set("x-odps-creation-time", gmt(p.CreatedAt)).
		set("Last-Modified", gmt(p.CreatedAt)), nil
}

// putProject is PUT /projects/{p} (Project.Update of the SDKs): localyun
// keeps no project properties, so only an update that sets none is
// accepted, by the owner.
func (h *Handler) putProject(ctx context.Context, c *call) (*response, error) {
	var in struct {
		Name       string     `xml:"Name"`
		Properties []property `xml:"Properties>Property"`
	}
	if err := xml.Unmarshal(c.body, &in); err != nil {
		return nil, invalid("the body is not a project XML document: %v", err)
	}
	if len(in.Properties) > 0 {
		return nil, notSupported("project properties are not supported by localyun (%s was given); projects use the MaxCompute 2.0 type system", clipText(in.Properties[0].Name))
	}
	if _, err := h.svc.UpdateSecurityConfig(ctx, c.caller, c.params["p"], func(*security.Config) error { return nil }, c.meta()); err != nil {
		return nil, err
	}
	return textResponse(200, "", ""), nil
}

// securityConfigXML is the security configuration as both SDKs read it:
// ProjectProtection carries Protected as an attribute (Java) and as an
// element (Go), reference/maxcompute.md §6.3. AllowForeignRoles is
// localyun's: whether RAM roles of other accounts may be added.
type securityConfigXML struct {
	XMLName                          xml.Name `xml:"SecurityConfiguration"`
	CheckPermissionUsingACL          bool     `xml:"CheckPermissionUsingAcl"`
	CheckPermissionUsingPolicy       bool     `xml:"CheckPermissionUsingPolicy"`
	LabelSecurity                    bool     `xml:"LabelSecurity"`
	ObjectCreatorHasAccessPermission bool     `xml:"ObjectCreatorHasAccessPermission"`
	ObjectCreatorHasGrantPermission  bool     `xml:"ObjectCreatorHasGrantPermission"`
	ProjectProtection                struct {
		ProtectedAttr string `xml:"Protected,attr"`
		Protected     string `xml:"Protected"`
		Exceptions    string `xml:"Exceptions,omitempty"`
	} `xml:"ProjectProtection"`
	CheckPermissionUsingACLV2     bool   `xml:"CheckPermissionUsingAclV2"`
	CheckPermissionUsingPackageV2 bool   `xml:"CheckPermissionUsingPackageV2"`
	SupportACL                    bool   `xml:"SupportACL"`
	SupportPolicy                 bool   `xml:"SupportPolicy"`
	SupportPackage                bool   `xml:"SupportPackage"`
	SupportACLV2                  bool   `xml:"SupportACLV2"`
	SupportPackageV2              bool   `xml:"SupportPackageV2"`
	CheckPermissionUsingPackage   bool   `xml:"CheckPermissionUsingPackage"`
	CreatePackage                 bool   `xml:"CreatePackage"`
	CreatePackageV2               bool   `xml:"CreatePackageV2"`
	AuthorizationVersion          string `xml:"AuthorizationVersion"`
	EnableDownloadPrivilege       bool   `xml:"EnableDownloadPrivilege"`
	GrammarVersion                string `xml:"GrammarVersion"`
	AllowForeignRoles             bool   `xml:"AllowForeignRoles"`
}

func newSecurityConfigXML(cfg security.Config) securityConfigXML {
	x := securityConfigXML{
		CheckPermissionUsingACL:          cfg.CheckPermissionUsingACL,
		CheckPermissionUsingPolicy:       cfg.CheckPermissionUsingPolicy,
		LabelSecurity:                    cfg.LabelSecurity,
		ObjectCreatorHasAccessPermission: cfg.ObjectCreatorHasAccessPermission,
		ObjectCreatorHasGrantPermission:  cfg.ObjectCreatorHasGrantPermission,
		SupportACL:                       true,
		SupportPolicy:                    true,
		AuthorizationVersion:             "1",
		EnableDownloadPrivilege:          cfg.EnableDownloadPrivilege,
		GrammarVersion:                   "2.0",
		AllowForeignRoles:                cfg.AllowForeignRoles,
	}
	p := strconv.FormatBool(cfg.ProjectProtection)
	x.ProjectProtection.ProtectedAttr, x.ProjectProtection.Protected = p, p
	return x
}

func (h *Handler) getSecurityConfiguration(ctx context.Context, c *call) (*response, error) {
	cfg, err := h.svc.SecurityConfig(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, newSecurityConfigXML(cfg))
}

// securityConfigInput is a PUT body: any root element (the Go SDK sends
// <securityConfigModel>, Java <SecurityConfiguration>); only the elements
// present change; read-only capabilities (Support*, *V2, packages,
// versions) are ignored.
type securityConfigInput struct {
	CheckPermissionUsingACL          *string `xml:"CheckPermissionUsingAcl"`
	CheckPermissionUsingPolicy       *string `xml:"CheckPermissionUsingPolicy"`
	LabelSecurity                    *string `xml:"LabelSecurity"`
	ObjectCreatorHasAccessPermission *string `xml:"ObjectCreatorHasAccessPermission"`
	ObjectCreatorHasGrantPermission  *string `xml:"ObjectCreatorHasGrantPermission"`
	EnableDownloadPrivilege          *string `xml:"EnableDownloadPrivilege"`
	AllowForeignRoles                *string `xml:"AllowForeignRoles"`
	ProjectProtection                *struct {
		ProtectedAttr *string `xml:"Protected,attr"`
		Protected     *string `xml:"Protected"`
		Exceptions    string  `xml:"Exceptions"`
	} `xml:"ProjectProtection"`
}

// putSecurityConfiguration is PUT /projects/{p}?security_configuration:
// the owner only; the whole body is checked before anything changes.
func (h *Handler) putSecurityConfiguration(ctx context.Context, c *call) (*response, error) {
	var in securityConfigInput
	if err := xml.Unmarshal(c.body, &in); err != nil {
		return nil, invalid("the body is not a security configuration XML document: %v", err)
	}
	type setting struct {
		name string
		v    *string
		dst  func(*security.Config) *bool
	}
	settings := []setting{
		{"CheckPermissionUsingAcl", in.CheckPermissionUsingACL, func(c *security.Config) *bool { return &c.CheckPermissionUsingACL }},
		{"CheckPermissionUsingPolicy", in.CheckPermissionUsingPolicy, func(c *security.Config) *bool { return &c.CheckPermissionUsingPolicy }},
		{"LabelSecurity", in.LabelSecurity, func(c *security.Config) *bool { return &c.LabelSecurity }},
		{"ObjectCreatorHasAccessPermission", in.ObjectCreatorHasAccessPermission, func(c *security.Config) *bool { return &c.ObjectCreatorHasAccessPermission }},
		{"ObjectCreatorHasGrantPermission", in.ObjectCreatorHasGrantPermission, func(c *security.Config) *bool { return &c.ObjectCreatorHasGrantPermission }},
		{"EnableDownloadPrivilege", in.EnableDownloadPrivilege, func(c *security.Config) *bool { return &c.EnableDownloadPrivilege }},
		{"AllowForeignRoles", in.AllowForeignRoles, func(c *security.Config) *bool { return &c.AllowForeignRoles }},
	}
	values := map[string]bool{}
	for _, s := range settings {
		if s.v == nil {
			continue
		}
		b, err := parseBool(s.name, *s.v)
		if err != nil {
			return nil, err
		}
		values[s.name] = b
	}
	if values["LabelSecurity"] {
		return nil, notSupported("label security (LabelSecurity=true) is not supported by localyun")
	}
	var protected *bool
	if pp := in.ProjectProtection; pp != nil {
		v := pp.ProtectedAttr
		if v == nil {
			v = pp.Protected
		}
		if v != nil {
			b, err := parseBool("ProjectProtection.Protected", *v)
			if err != nil {
				return nil, err
			}
			protected = &b
		}
		if strings.TrimSpace(pp.Exceptions) != "" {
			return nil, notSupported("exception policies of project protection are not supported by localyun; leave Exceptions empty")
		}
	}
	cfg, err := h.svc.UpdateSecurityConfig(ctx, c.caller, c.params["p"], func(cfg *security.Config) error {
		for _, s := range settings {
			if b, ok := values[s.name]; ok {
				*s.dst(cfg) = b
			}
		}
		if protected != nil {
			cfg.ProjectProtection = *protected
		}
		return nil
	}, c.meta())
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, newSecurityConfigXML(cfg))
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalid("%s must be true or false, got %q", name, clipText(v))
}

// emptyPolicy is what GET ?policy answers when there is none; PUT of it (or
// of an empty body) removes the policy.
const emptyPolicy = `{"Statement":[],"Version":"1"}`

func (h *Handler) getProjectPolicy(ctx context.Context, c *call) (*response, error) {
	doc, err := h.svc.ProjectPolicy(ctx, c.caller, c.params["p"], c.meta())
	if err != nil {
		return nil, err
	}
	if doc == "" {
		doc = emptyPolicy
	}
	return textResponse(200, "application/json", doc), nil
}

func (h *Handler) putProjectPolicy(ctx context.Context, c *call) (*response, error) {
	doc, err := policyBody(c.body)
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetProjectPolicy(ctx, c.caller, c.params["p"], doc, c.meta()); err != nil {
		return nil, err
	}
	return textResponse(200, "", ""), nil
}

// policyBody reads a policy PUT body: "" (and a document with no
// statements) removes the policy.
func policyBody(body []byte) (string, error) {
	doc := strings.TrimSpace(string(body))
	if doc == "" {
		return "", nil
	}
	var probe struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &probe); err != nil {
		return "", invalid("failed to check policy format: the body is not a JSON policy document: %v", err)
	}
	if s := strings.TrimSpace(string(probe.Statement)); s == "[]" {
		return "", nil
	}
	return doc, nil
}

func (h *Handler) unsupported(msg string) func(context.Context, *call) (*response, error) {
	return func(context.Context, *call) (*response, error) { return nil, notSupported("%s", msg) }
}

// tunnel answers every tunnel path: the tunnel service is a later feature.
func (h *Handler) tunnel(context.Context, *call) (*response, error) {
	return nil, notSupported("The tunnel service is not supported by localyun yet: read rows with SQL " +
		"(POST /projects/{p}/instances, then ?result, up to 10,000 rows) and write them with INSERT ... VALUES; " +
		"docs/maxcompute.md lists the client paths that work without the tunnel.")
}

func clipText(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
