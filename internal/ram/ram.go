// Package ram serves the RAM API, version 2015-05-01: roles, policies and
// their versions, attachments, users and AccessKeys
// (reference/ram-sts.md §4; https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-overview).
// It translates parameters and results; iam decides and stores.
package ram

import (
	"context"
	"time"

	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Version is the RAM API version.
const Version = "2015-05-01"

// api binds the actions to the IAM service.
type api struct{ iam *iam.Service }

// Actions declares the RAM actions localyun serves.
func Actions(svc *iam.Service) []gateway.Action {
	a := &api{iam: svc}
	roleName := gateway.Param{Name: "RoleName", Required: true, MaxLen: 64}
	userName := gateway.Param{Name: "UserName", Required: true, MaxLen: 64}
	policyName := gateway.Param{Name: "PolicyName", Required: true, MaxLen: 128}
	policyType := gateway.Param{Name: "PolicyType", MaxLen: 16}
	versionID := gateway.Param{Name: "VersionId", Required: true, MaxLen: 16}
	marker := gateway.Param{Name: "Marker", MaxLen: 256}
	maxItems := gateway.Param{Name: "MaxItems", Kind: gateway.Int, Min: 1, Max: 1000}
	doc := func(name string, required bool) gateway.Param {
		// The policy package enforces the documented lengths with their own
		// codes; this bound only stops absurd input early.
		return gateway.Param{Name: name, Required: required, MaxLen: 65536}
	}
	ram := func(name, docLine string, params []gateway.Param, resource func(c *gateway.Call) string, h func(context.Context, *gateway.Call) (any, error)) gateway.Action {
		return gateway.Action{
			Product: "Ram", Version: Version, Name: name, Doc: docLine, Params: params,
			Permission: func(c *gateway.Call) (string, string, bool) { return "ram:" + name, resource(c), true },
			Handler:    h,
		}
	}
	role := func(c *gateway.Call) string { return iam.RoleARN(c.Caller.Account, c.String("RoleName")) }
	roles := func(c *gateway.Call) string { return "acs:ram::" + c.Caller.Account + ":role/*" }
	pol := func(c *gateway.Call) string {
		return "acs:ram::" + c.Caller.Account + ":policy/" + c.String("PolicyName")
	}
	pols := func(c *gateway.Call) string { return "acs:ram::" + c.Caller.Account + ":policy/*" }
	user := func(c *gateway.Call) string { return "acs:ram::" + c.Caller.Account + ":user/" + c.String("UserName") }
	users := func(c *gateway.Call) string { return "acs:ram::" + c.Caller.Account + ":user/*" }
	keyOwner := func(c *gateway.Call) string {
		if c.String("UserName") == "" {
			return "acs:ram::" + c.Caller.Account + ":root"
		}
		return user(c)
	}
	optUser := gateway.Param{Name: "UserName", MaxLen: 64}
	return []gateway.Action{
		ram("CreateRole", "Creates a role with a trust policy.", []gateway.Param{roleName, doc("AssumeRolePolicyDocument", true),
			{Name: "Description", MaxLen: 1024}, {Name: "MaxSessionDuration", Kind: gateway.Int}, {Name: "Tag"}}, role, a.createRole),
		ram("GetRole", "Returns a role with its trust policy.", []gateway.Param{roleName}, role, a.getRole),
		ram("UpdateRole", "Changes a role's trust policy, description or maximum session duration.", []gateway.Param{roleName,
			doc("NewAssumeRolePolicyDocument", false), {Name: "NewDescription", MaxLen: 1024}, {Name: "NewMaxSessionDuration", Kind: gateway.Int}}, role, a.updateRole),
		ram("DeleteRole", "Deletes a role that has no attached policies.", []gateway.Param{roleName}, role, a.deleteRole),
		ram("ListRoles", "Lists roles, paged.", []gateway.Param{marker, maxItems}, roles, a.listRoles),

		ram("CreatePolicy", "Creates a custom policy.", []gateway.Param{policyName, doc("PolicyDocument", true), {Name: "Description", MaxLen: 1024}}, pol, a.createPolicy),
		ram("GetPolicy", "Returns a policy with its default version.", []gateway.Param{policyName, policyType}, pol, a.getPolicy),
		ram("DeletePolicy", "Deletes a custom policy.", []gateway.Param{policyName, {Name: "CascadingDelete", Kind: gateway.Bool}}, pol, a.deletePolicy),
		ram("ListPolicies", "Lists system and custom policies, paged.", []gateway.Param{policyType, marker, maxItems}, pols, a.listPolicies),
		ram("CreatePolicyVersion", "Adds a version to a custom policy.", []gateway.Param{policyName, doc("PolicyDocument", true),
			{Name: "SetAsDefault", Kind: gateway.Bool}, {Name: "RotateStrategy", MaxLen: 64}}, pol, a.createPolicyVersion),
		ram("GetPolicyVersion", "Returns one version of a policy.", []gateway.Param{policyName, policyType, versionID}, pol, a.getPolicyVersion),
		ram("DeletePolicyVersion", "Deletes a non-default version of a custom policy.", []gateway.Param{policyName, versionID}, pol, a.deletePolicyVersion),
		ram("ListPolicyVersions", "Lists the versions of a policy.", []gateway.Param{policyName, policyType}, pol, a.listPolicyVersions),
		ram("SetDefaultPolicyVersion", "Makes a version of a custom policy the one that applies.", []gateway.Param{policyName, versionID}, pol, a.setDefaultPolicyVersion),

		ram("AttachPolicyToRole", "Attaches a policy to a role.", []gateway.Param{roleName, policyName, withRequired(policyType)}, role, a.attach(store.RolePrincipal)),
		ram("DetachPolicyFromRole", "Detaches a policy from a role.", []gateway.Param{roleName, policyName, withRequired(policyType)}, role, a.detach(store.RolePrincipal)),
		ram("ListPoliciesForRole", "Lists the policies attached to a role.", []gateway.Param{roleName}, role, a.listAttached(store.RolePrincipal)),
		ram("AttachPolicyToUser", "Attaches a policy to a user.", []gateway.Param{userName, policyName, withRequired(policyType)}, user, a.attach(store.UserPrincipal)),
		ram("DetachPolicyFromUser", "Detaches a policy from a user.", []gateway.Param{userName, policyName, withRequired(policyType)}, user, a.detach(store.UserPrincipal)),
		ram("ListPoliciesForUser", "Lists the policies attached to a user.", []gateway.Param{userName}, user, a.listAttached(store.UserPrincipal)),
		ram("ListEntitiesForPolicy", "Lists the users and roles a policy is attached to.", []gateway.Param{policyName, withRequired(policyType)}, pol, a.listEntities),

		ram("CreateUser", "Creates a RAM user.", []gateway.Param{userName, {Name: "DisplayName", MaxLen: 128}, {Name: "MobilePhone", MaxLen: 32},
			{Name: "Email", MaxLen: 128}, {Name: "Comments", MaxLen: 128}}, user, a.createUser),
		ram("GetUser", "Returns a RAM user.", []gateway.Param{userName}, user, a.getUser),
		ram("DeleteUser", "Deletes a RAM user that has no AccessKeys or policies.", []gateway.Param{userName}, user, a.deleteUser),
		ram("ListUsers", "Lists RAM users, paged.", []gateway.Param{marker, maxItems}, users, a.listUsers),

		ram("CreateAccessKey", "Creates an AccessKey for a user (or for the calling root).", []gateway.Param{optUser}, keyOwner, a.createAccessKey),
		ram("UpdateAccessKey", "Activates or deactivates an AccessKey.", []gateway.Param{optUser, {Name: "UserAccessKeyId", Required: true, MaxLen: 64},
			{Name: "Status", Required: true, MaxLen: 16}}, keyOwner, a.updateAccessKey),
		ram("DeleteAccessKey", "Deletes an AccessKey.", []gateway.Param{optUser, {Name: "UserAccessKeyId", Required: true, MaxLen: 64}}, keyOwner, a.deleteAccessKey),
		ram("ListAccessKeys", "Lists a user's AccessKeys (never their secrets).", []gateway.Param{optUser}, keyOwner, a.listAccessKeys),
	}
}

func withRequired(p gateway.Param) gateway.Param {
	p.Required = true
	return p
}

// date formats times as every RAM response does.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func pageSize(c *gateway.Call) int { return int(c.Int("MaxItems", 100)) }

// --- roles ---

type roleView struct {
	RoleID                   string `json:"RoleId"`
	RoleName                 string `json:"RoleName"`
	Arn                      string `json:"Arn"`
	Description              string `json:"Description"`
	AssumeRolePolicyDocument string `json:"AssumeRolePolicyDocument,omitempty"`
	MaxSessionDuration       int64  `json:"MaxSessionDuration"`
	CreateDate               string `json:"CreateDate"`
	UpdateDate               string `json:"UpdateDate,omitempty"`
}

func newRoleView(r store.Role, withTrust bool) roleView {
	v := roleView{RoleID: r.ID, RoleName: r.Name, Arn: iam.RoleARN(r.Account, r.Name), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, CreateDate: date(r.CreatedAt), UpdateDate: date(r.UpdatedAt)}
	if withTrust {
		v.AssumeRolePolicyDocument = r.TrustPolicy
	}
	return v
}

type roleResult struct {
	Role roleView `json:"Role"`
}

func (a *api) createRole(ctx context.Context, c *gateway.Call) (any, error) {
	r, err := a.iam.CreateRole(ctx, c.Caller.Account, iam.RoleInput{Name: c.String("RoleName"), TrustPolicy: c.String("AssumeRolePolicyDocument"),
		Description: c.String("Description"), MaxSessionDuration: c.Int("MaxSessionDuration", 0)})
	if err != nil {
		return nil, err
	}
	return roleResult{newRoleView(r, true)}, nil
}

func (a *api) getRole(ctx context.Context, c *gateway.Call) (any, error) {
	r, err := a.iam.GetRole(ctx, c.Caller.Account, c.String("RoleName"))
	if err != nil {
		return nil, err
	}
	return roleResult{newRoleView(r, true)}, nil
}

func (a *api) updateRole(ctx context.Context, c *gateway.Call) (any, error) {
	var u iam.RoleUpdate
	if c.Has("NewAssumeRolePolicyDocument") {
		v := c.String("NewAssumeRolePolicyDocument")
		u.TrustPolicy = &v
	}
	if c.Has("NewDescription") {
		v := c.String("NewDescription")
		u.Description = &v
	}
	if c.Has("NewMaxSessionDuration") {
		v := c.Int("NewMaxSessionDuration", 0)
		u.MaxSessionDuration = &v
	}
	r, err := a.iam.UpdateRole(ctx, c.Caller.Account, c.String("RoleName"), u)
	if err != nil {
		return nil, err
	}
	return roleResult{newRoleView(r, true)}, nil
}

func (a *api) deleteRole(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.DeleteRole(ctx, c.Caller.Account, c.String("RoleName"))
}

type listRolesResult struct {
	IsTruncated bool   `json:"IsTruncated"`
	Marker      string `json:"Marker,omitempty"`
	Roles       struct {
		Role []roleView `json:"Role"`
	} `json:"Roles"`
}

func (a *api) listRoles(ctx context.Context, c *gateway.Call) (any, error) {
	roles, next, err := a.iam.ListRoles(ctx, c.Caller.Account, c.String("Marker"), pageSize(c))
	if err != nil {
		return nil, err
	}
	out := listRolesResult{IsTruncated: next != "", Marker: next}
	out.Roles.Role = []roleView{}
	for _, r := range roles {
		out.Roles.Role = append(out.Roles.Role, newRoleView(r, false))
	}
	return out, nil
}

// --- users ---

type userView struct {
	UserID      string `json:"UserId"`
	UserName    string `json:"UserName"`
	DisplayName string `json:"DisplayName"`
	MobilePhone string `json:"MobilePhone,omitempty"`
	Email       string `json:"Email,omitempty"`
	Comments    string `json:"Comments,omitempty"`
	CreateDate  string `json:"CreateDate"`
	UpdateDate  string `json:"UpdateDate,omitempty"`
}

func newUserView(u store.User) userView {
	return userView{UserID: u.ID, UserName: u.Name, DisplayName: u.DisplayName, MobilePhone: u.MobilePhone, Email: u.Email,
		Comments: u.Comments, CreateDate: date(u.CreatedAt), UpdateDate: date(u.UpdatedAt)}
}

type userResult struct {
	User userView `json:"User"`
}

func (a *api) createUser(ctx context.Context, c *gateway.Call) (any, error) {
	u, err := a.iam.CreateUser(ctx, c.Caller.Account, iam.UserInput{Name: c.String("UserName"), DisplayName: c.String("DisplayName"),
		MobilePhone: c.String("MobilePhone"), Email: c.String("Email"), Comments: c.String("Comments")})
	if err != nil {
		return nil, err
	}
	return userResult{newUserView(u)}, nil
}

func (a *api) getUser(ctx context.Context, c *gateway.Call) (any, error) {
	u, err := a.iam.GetUser(ctx, c.Caller.Account, c.String("UserName"))
	if err != nil {
		return nil, err
	}
	return userResult{newUserView(u)}, nil
}

func (a *api) deleteUser(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.DeleteUser(ctx, c.Caller.Account, c.String("UserName"))
}

type listUsersResult struct {
	IsTruncated bool   `json:"IsTruncated"`
	Marker      string `json:"Marker,omitempty"`
	Users       struct {
		User []userView `json:"User"`
	} `json:"Users"`
}

func (a *api) listUsers(ctx context.Context, c *gateway.Call) (any, error) {
	users, next, err := a.iam.ListUsers(ctx, c.Caller.Account, c.String("Marker"), pageSize(c))
	if err != nil {
		return nil, err
	}
	out := listUsersResult{IsTruncated: next != "", Marker: next}
	out.Users.User = []userView{}
	for _, u := range users {
		out.Users.User = append(out.Users.User, newUserView(u))
	}
	return out, nil
}

// --- access keys ---

type accessKeyView struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret,omitempty"`
	Status          string `json:"Status"`
	CreateDate      string `json:"CreateDate"`
}

// keyUser is the user a key call is about: the UserName parameter, or,
// when a RAM user calls without it, the caller itself (the root's own keys
// when the root calls).
func keyUser(c *gateway.Call) string {
	if u := c.String("UserName"); u != "" {
		return u
	}
	if c.Caller.Kind == iam.User {
		return c.Caller.UserName
	}
	return ""
}

func (a *api) createAccessKey(ctx context.Context, c *gateway.Call) (any, error) {
	k, err := a.iam.CreateAccessKey(ctx, c.Caller.Account, keyUser(c))
	if err != nil {
		return nil, err
	}
	return struct {
		AccessKey accessKeyView `json:"AccessKey"`
	}{accessKeyView{AccessKeyID: k.ID, AccessKeySecret: k.Secret, Status: k.Status, CreateDate: date(k.CreatedAt)}}, nil
}

func (a *api) updateAccessKey(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.UpdateAccessKey(ctx, c.Caller.Account, keyUser(c), c.String("UserAccessKeyId"), c.String("Status"))
}

func (a *api) deleteAccessKey(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.DeleteAccessKey(ctx, c.Caller.Account, keyUser(c), c.String("UserAccessKeyId"))
}

func (a *api) listAccessKeys(ctx context.Context, c *gateway.Call) (any, error) {
	keys, err := a.iam.ListAccessKeys(ctx, c.Caller.Account, keyUser(c))
	if err != nil {
		return nil, err
	}
	var out struct {
		AccessKeys struct {
			AccessKey []accessKeyView `json:"AccessKey"`
		} `json:"AccessKeys"`
	}
	out.AccessKeys.AccessKey = []accessKeyView{}
	for _, k := range keys {
		out.AccessKeys.AccessKey = append(out.AccessKeys.AccessKey, accessKeyView{AccessKeyID: k.ID, Status: k.Status, CreateDate: date(k.CreatedAt)})
	}
	return out, nil
}

// --- policies ---

type policyView struct {
	PolicyName      string `json:"PolicyName"`
	PolicyType      string `json:"PolicyType"`
	Description     string `json:"Description"`
	DefaultVersion  string `json:"DefaultVersion"`
	PolicyDocument  string `json:"PolicyDocument,omitempty"`
	AttachmentCount *int   `json:"AttachmentCount,omitempty"`
	CreateDate      string `json:"CreateDate,omitempty"`
	UpdateDate      string `json:"UpdateDate,omitempty"`
	AttachDate      string `json:"AttachDate,omitempty"`
}

type versionView struct {
	VersionID        string `json:"VersionId"`
	IsDefaultVersion bool   `json:"IsDefaultVersion"`
	PolicyDocument   string `json:"PolicyDocument"`
	CreateDate       string `json:"CreateDate"`
}

func newVersionView(v store.PolicyVersion, isDefault bool) versionView {
	return versionView{VersionID: v.ID, IsDefaultVersion: isDefault, PolicyDocument: v.Document, CreateDate: date(v.CreatedAt)}
}

func policyTypeParam(c *gateway.Call, required bool) (store.PolicyType, error) {
	return iam.ParsePolicyType(c.String("PolicyType"), required)
}

func (a *api) createPolicy(ctx context.Context, c *gateway.Call) (any, error) {
	p, err := a.iam.CreatePolicy(ctx, c.Caller.Account, c.String("PolicyName"), c.String("PolicyDocument"), c.String("Description"))
	if err != nil {
		return nil, err
	}
	return struct {
		Policy policyView `json:"Policy"`
	}{policyView{PolicyName: p.Name, PolicyType: string(p.Type), Description: p.Description, DefaultVersion: p.DefaultVersion, CreateDate: date(p.CreatedAt)}}, nil
}

func (a *api) getPolicy(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := policyTypeParam(c, false)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = store.Custom
	}
	p, err := a.iam.GetPolicy(ctx, c.Caller.Account, typ, c.String("PolicyName"))
	if err != nil {
		return nil, err
	}
	count := p.AttachmentCount
	return struct {
		Policy               policyView  `json:"Policy"`
		DefaultPolicyVersion versionView `json:"DefaultPolicyVersion"`
	}{
		policyView{PolicyName: p.Name, PolicyType: string(p.Type), Description: p.Description, DefaultVersion: p.DefaultVersion,
			PolicyDocument: p.Default.Document, AttachmentCount: &count, CreateDate: date(p.CreatedAt), UpdateDate: date(p.UpdatedAt)},
		newVersionView(p.Default, true),
	}, nil
}

func (a *api) deletePolicy(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.DeletePolicy(ctx, c.Caller.Account, c.String("PolicyName"))
}

func (a *api) listPolicies(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := policyTypeParam(c, false)
	if err != nil {
		return nil, err
	}
	ps, next, err := a.iam.ListPolicies(ctx, c.Caller.Account, typ, c.String("Marker"), pageSize(c))
	if err != nil {
		return nil, err
	}
	var out struct {
		IsTruncated bool   `json:"IsTruncated"`
		Marker      string `json:"Marker,omitempty"`
		Policies    struct {
			Policy []policyView `json:"Policy"`
		} `json:"Policies"`
	}
	out.IsTruncated, out.Marker = next != "", next
	out.Policies.Policy = []policyView{}
	for _, p := range ps {
		count := p.AttachmentCount
		out.Policies.Policy = append(out.Policies.Policy, policyView{PolicyName: p.Name, PolicyType: string(p.Type), Description: p.Description,
			DefaultVersion: p.DefaultVersion, AttachmentCount: &count, CreateDate: date(p.CreatedAt), UpdateDate: date(p.UpdatedAt)})
	}
	return out, nil
}

func (a *api) createPolicyVersion(ctx context.Context, c *gateway.Call) (any, error) {
	v, err := a.iam.CreatePolicyVersion(ctx, c.Caller.Account, c.String("PolicyName"), c.String("PolicyDocument"),
		c.Bool("SetAsDefault", false), c.String("RotateStrategy"))
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyVersion versionView `json:"PolicyVersion"`
	}{newVersionView(v, c.Bool("SetAsDefault", false))}, nil
}

func (a *api) getPolicyVersion(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := policyTypeParam(c, false)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = store.Custom
	}
	v, isDefault, err := a.iam.GetPolicyVersion(ctx, c.Caller.Account, typ, c.String("PolicyName"), c.String("VersionId"))
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyVersion versionView `json:"PolicyVersion"`
	}{newVersionView(v, isDefault)}, nil
}

func (a *api) deletePolicyVersion(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.DeletePolicyVersion(ctx, c.Caller.Account, c.String("PolicyName"), c.String("VersionId"))
}

func (a *api) listPolicyVersions(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := policyTypeParam(c, false)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = store.Custom
	}
	vs, def, err := a.iam.ListPolicyVersions(ctx, c.Caller.Account, typ, c.String("PolicyName"))
	if err != nil {
		return nil, err
	}
	var out struct {
		PolicyVersions struct {
			PolicyVersion []versionView `json:"PolicyVersion"`
		} `json:"PolicyVersions"`
	}
	out.PolicyVersions.PolicyVersion = []versionView{}
	for _, v := range vs {
		out.PolicyVersions.PolicyVersion = append(out.PolicyVersions.PolicyVersion, newVersionView(v, v.ID == def))
	}
	return out, nil
}

func (a *api) setDefaultPolicyVersion(ctx context.Context, c *gateway.Call) (any, error) {
	return nil, a.iam.SetDefaultPolicyVersion(ctx, c.Caller.Account, c.String("PolicyName"), c.String("VersionId"))
}

// --- attachments ---

func principalParam(kind store.PrincipalKind) string {
	if kind == store.UserPrincipal {
		return "UserName"
	}
	return "RoleName"
}

func (a *api) attach(kind store.PrincipalKind) func(context.Context, *gateway.Call) (any, error) {
	return func(ctx context.Context, c *gateway.Call) (any, error) {
		typ, err := policyTypeParam(c, true)
		if err != nil {
			return nil, err
		}
		return nil, a.iam.Attach(ctx, c.Caller.Account, kind, c.String(principalParam(kind)), typ, c.String("PolicyName"))
	}
}

func (a *api) detach(kind store.PrincipalKind) func(context.Context, *gateway.Call) (any, error) {
	return func(ctx context.Context, c *gateway.Call) (any, error) {
		typ, err := policyTypeParam(c, true)
		if err != nil {
			return nil, err
		}
		return nil, a.iam.Detach(ctx, c.Caller.Account, kind, c.String(principalParam(kind)), typ, c.String("PolicyName"))
	}
}

func (a *api) listAttached(kind store.PrincipalKind) func(context.Context, *gateway.Call) (any, error) {
	return func(ctx context.Context, c *gateway.Call) (any, error) {
		atts, err := a.iam.ListAttached(ctx, c.Caller.Account, kind, c.String(principalParam(kind)))
		if err != nil {
			return nil, err
		}
		var out struct {
			Policies struct {
				Policy []policyView `json:"Policy"`
			} `json:"Policies"`
		}
		out.Policies.Policy = []policyView{}
		for _, at := range atts {
			out.Policies.Policy = append(out.Policies.Policy, policyView{PolicyName: at.Policy, PolicyType: string(at.PolicyType),
				Description: at.Description, DefaultVersion: at.DefaultVersion, AttachDate: date(at.AttachedAt)})
		}
		return out, nil
	}
}

func (a *api) listEntities(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := policyTypeParam(c, true)
	if err != nil {
		return nil, err
	}
	atts, err := a.iam.ListEntitiesForPolicy(ctx, c.Caller.Account, typ, c.String("PolicyName"))
	if err != nil {
		return nil, err
	}
	// The members of the real response's Role, User and Group items.
	type roleEntity struct {
		RoleID      string `json:"RoleId"`
		RoleName    string `json:"RoleName"`
		Arn         string `json:"Arn"`
		Description string `json:"Description"`
		AttachDate  string `json:"AttachDate"`
	}
	type userEntity struct {
		UserID      string `json:"UserId"`
		UserName    string `json:"UserName"`
		DisplayName string `json:"DisplayName"`
		AttachDate  string `json:"AttachDate"`
	}
	type groupEntity struct {
		GroupName  string `json:"GroupName"`
		Comments   string `json:"Comments"`
		AttachDate string `json:"AttachDate"`
	}
	var out struct {
		Roles struct {
			Role []roleEntity `json:"Role"`
		} `json:"Roles"`
		Users struct {
			User []userEntity `json:"User"`
		} `json:"Users"`
		Groups struct {
			Group []groupEntity `json:"Group"`
		} `json:"Groups"`
	}
	out.Roles.Role, out.Users.User, out.Groups.Group = []roleEntity{}, []userEntity{}, []groupEntity{}
	for _, at := range atts {
		if at.Kind == store.RolePrincipal {
			out.Roles.Role = append(out.Roles.Role, roleEntity{RoleID: at.ID, RoleName: at.Principal, Arn: iam.RoleARN(at.Account, at.Principal),
				Description: at.Description, AttachDate: date(at.AttachedAt)})
		} else {
			out.Users.User = append(out.Users.User, userEntity{UserID: at.ID, UserName: at.Principal, DisplayName: at.DisplayName, AttachDate: date(at.AttachedAt)})
		}
	}
	return out, nil
}
