package dataworks

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/store"
)

// Data source types localyun serves, as the 2024-05-18 API names them.
const (
	TypeMaxCompute = "maxcompute"
	TypeHologres   = "hologres"
)

// Environments.
const (
	EnvDev  = "Dev"
	EnvProd = "Prod"
)

// Connection property modes (ConnectionPropertiesMode).
const (
	ModeURL      = "UrlMode"
	ModeInstance = "InstanceMode"
)

// Types lists the data source types localyun serves.
var Types = []string{TypeMaxCompute, TypeHologres}

// LegacyType is a type's 2020-05-18 DataSourceType: odps or holo.
func LegacyType(typ string) string {
	switch typ {
	case TypeMaxCompute:
		return "odps"
	case TypeHologres:
		return "holo"
	}
	return typ
}

// TypeFromLegacy maps a 2020-05-18 DataSourceType to the type.
func TypeFromLegacy(legacy string) (string, bool) {
	switch strings.ToLower(legacy) {
	case "odps":
		return TypeMaxCompute, true
	case "holo":
		return TypeHologres, true
	}
	return "", false
}

// NormalizeType checks a 2024-05-18 Type (case-insensitive).
func NormalizeType(param, typ string) (string, error) {
	t := strings.ToLower(typ)
	for _, known := range Types {
		if t == known {
			return t, nil
		}
	}
	return "", invalid(param, "localyun serves maxcompute and hologres data sources, not %q", typ).
		WithRecommend("use Type maxcompute (MaxCompute projects) or hologres (Hologres databases)")
}

// NormalizeEnv checks an environment name (case-insensitive).
func NormalizeEnv(param, env string) (string, error) {
	switch strings.ToLower(env) {
	case "dev":
		return EnvDev, nil
	case "prod":
		return EnvProd, nil
	}
	return "", invalid(param, "%q is not an environment", env).WithRecommend("use Dev or Prod")
}

var (
	dataSourceNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	uidPattern            = regexp.MustCompile(`^[0-9]{16}$`)
	roleNamePattern       = regexp.MustCompile(`^[A-Za-z0-9.@-]{1,64}$`)
	projectNamePattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,27}$`)
	numericPattern        = regexp.MustCompile(`^[0-9]{1,32}$`)
	roleARNPattern        = regexp.MustCompile(`^acs:ram::([^:]*):role/(.+)$`)
)

// MaxNameLen bounds data source and compute resource names.
const MaxNameLen = 255

// checkName applies the data source naming rules of the 2024-05-18
// documentation: letters, digits and underscores, starting with a letter,
// at most 255 characters.
func checkName(param, name string) error {
	if name == "" {
		return invalid(param, "it is empty").WithRecommend("name the data source with letters, digits and underscores, starting with a letter")
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return invalid(param, "it is %d characters long, more than %d", utf8.RuneCountInString(name), MaxNameLen)
	}
	if !dataSourceNamePattern.MatchString(name) {
		return invalid(param, "%q may contain only letters, digits and underscores (_), and must start with a letter", name).
			WithRecommend("for example %s", suggestName(name))
	}
	return nil
}

// suggestName turns a rejected name into one that passes.
func suggestName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		s = "ds_" + s
	}
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	return s
}

var authTypes = map[string]string{
	"executor": "Executor", "taskowner": "TaskOwner", "primaryaccount": "PrimaryAccount",
	"subaccount": "SubAccount", "ramrole": "RamRole", "ak": "Ak",
}

// validation checks a data source's properties against its type and
// workspace, normalizing them in place (enumerations to their documented
// spelling, defaults filled in). Every failure is InvalidParameter.<param>
// with what to change.
type validation struct {
	s     *Service
	r     store.Reader
	param string
	ws    store.Workspace
}

// properties validates p for a data source of type typ in env. env is the
// environment the caller named outside the document (the 2020-05-18
// EnvType), or "" when the document must name it.
func (v *validation) properties(typ, env string, mode *string, p *Properties) error {
	param := v.param
	// Environment.
	switch {
	case p.EnvType == "" && env == "":
		return invalid(param, "envType is required").WithRecommend(`add "envType": "Prod" (or "Dev" in a workspace in standard mode)`)
	case p.EnvType == "":
		p.EnvType = env
	default:
		e, err := NormalizeEnv(param, p.EnvType)
		if err != nil {
			return invalid(param, "envType %q is not an environment", p.EnvType).WithRecommend("use Dev or Prod")
		}
		if env != "" && e != env {
			return invalid(param, "envType %s disagrees with EnvType %s", e, legacyEnvName(env)).
				WithRecommend("EnvType 0 is Dev and 1 is Prod; leave envType out of the document or make them agree")
		}
		p.EnvType = e
	}
	if p.EnvType == EnvDev && v.ws.Mode != WorkspaceStandard {
		return invalid(param, "workspace %d is in basic mode: it has only the Prod environment", v.ws.ID).
			WithRecommend("use envType Prod, or create the workspace in standard mode (DevEnvironmentEnabled=true, or ProjectMode=3)")
	}
	// Region.
	if p.RegionID == "" {
		p.RegionID = v.ws.Region
	} else if !v.s.o.ValidRegion(p.RegionID) {
		return invalid(param, "regionId %s is not a region localyun knows", p.RegionID).
			WithRecommend("use the region id of the project or instance, such as cn-hangzhou or cn-shanghai")
	}
	// Connection mode.
	switch typ {
	case TypeMaxCompute:
		if *mode == "" {
			*mode = ModeURL
		}
		if !strings.EqualFold(*mode, ModeURL) {
			return invalid("ConnectionPropertiesMode", "a maxcompute data source is added in UrlMode, not %s", *mode)
		}
		*mode = ModeURL
	case TypeHologres:
		if *mode == "" {
			*mode = ModeInstance
		}
		if !strings.EqualFold(*mode, ModeInstance) {
			return invalid("ConnectionPropertiesMode", "localyun adds hologres data sources in InstanceMode, not %s", *mode)
		}
		*mode = ModeInstance
	}
	if err := v.access(p); err != nil {
		return err
	}
	switch typ {
	case TypeMaxCompute:
		return v.maxCompute(p)
	case TypeHologres:
		return v.hologres(p)
	}
	return nil
}

func legacyEnvName(env string) string {
	if env == EnvDev {
		return "0 (Dev)"
	}
	return "1 (Prod)"
}

// access checks the access identity: same account, or another account's
// RAM role.
func (v *validation) access(p *Properties) error {
	param := v.param
	switch {
	case strings.HasPrefix(p.AuthType, "legacy:"):
		if p.AccessID == "" {
			return invalid(param, "authType %s is a number; localyun reads a numeric authType only with an AccessKey pair (accessId, accessKey)",
				strings.TrimPrefix(p.AuthType, "legacy:")).
				WithRecommend(`write authType as a string: "RamRole", "PrimaryAccount", "SubAccount", "Executor" or "Ak"`)
		}
		p.AuthType = "Ak"
	case p.AuthType == "" && (p.AccessID != "" || p.AccessKey != ""):
		p.AuthType = "Ak"
	case p.AuthType == "":
		return invalid(param, "authType is required").
			WithRecommend(`for a project or instance of another account use "authType": "RamRole" with crossAccountOwnerId and crossAccountRoleName; in your own account PrimaryAccount, SubAccount, RamRole or Executor`)
	default:
		at, ok := authTypes[strings.ToLower(p.AuthType)]
		if !ok {
			return invalid(param, "authType %q is not one localyun serves", p.AuthType).
				WithRecommend("use Executor, TaskOwner, PrimaryAccount, SubAccount, RamRole or Ak")
		}
		p.AuthType = at
	}
	if p.CrossAccountOwnerID != "" || p.CrossAccountRoleName != "" {
		return v.crossAccount(p) // which refuses a key in its own words
	}
	// Before any same-account branch returns: no authType but Ak may
	// carry a key.
	if p.AuthType != "Ak" && (p.AccessID != "" || p.AccessKey != "") {
		return invalid(param, "accessId and accessKey go only with authType Ak, not %s", p.AuthType).WithRecommend("remove them, or use authType Ak")
	}
	switch p.AuthType {
	case "RamRole":
		return v.sameAccountRole(p)
	case "SubAccount":
		return v.sameAccountUser(p)
	case "Ak":
		if p.AccessID == "" || p.AccessKey == "" {
			missing := "accessId"
			if p.AccessID != "" {
				missing = "accessKey"
			}
			return invalid(param, "%s is required with authType Ak", missing).WithRecommend("give the AccessKey pair as accessId and accessKey")
		}
	default:
		if p.AuthIdentity != "" {
			return invalid(param, "authIdentity goes only with authType SubAccount (a RAM user id) or RamRole (a RoleId), not %s", p.AuthType).
				WithRecommend("remove authIdentity")
		}
	}
	return nil
}

// crossAccount checks the cross-account mode: authType RamRole, the other
// account's UID and the role's name, and no authIdentity.
func (v *validation) crossAccount(p *Properties) error {
	param := v.param
	if m := roleARNPattern.FindStringSubmatch(p.CrossAccountRoleName); m != nil || strings.HasPrefix(p.CrossAccountRoleName, "acs:") {
		name := p.CrossAccountRoleName
		if m != nil {
			name = m[2]
		}
		return invalid(param, "crossAccountRoleName takes the role's name, e.g. %s, not %s", name, p.CrossAccountRoleName).
			WithRecommend(`write "crossAccountRoleName": "%s", and the role's account as crossAccountOwnerId`, name)
	}
	switch {
	case p.CrossAccountOwnerID == "":
		return invalid(param, "crossAccountOwnerId is required with crossAccountRoleName").
			WithRecommend("give the UID of the Alibaba Cloud account that owns the role and the project or instance")
	case p.CrossAccountRoleName == "":
		return invalid(param, "crossAccountRoleName is required with crossAccountOwnerId").
			WithRecommend("give the name of the RAM role of account %s that trusts DataWorks", p.CrossAccountOwnerID)
	case !uidPattern.MatchString(p.CrossAccountOwnerID):
		return invalid(param, "crossAccountOwnerId %q is not an account UID (16 digits)", p.CrossAccountOwnerID).
			WithRecommend("give the UID of the other account, e.g. 1234567890123456, not its name")
	case p.CrossAccountOwnerID == v.ws.Owner:
		return invalid(param, "crossAccountOwnerId %s is the workspace owner's own account: use the same-account mode", p.CrossAccountOwnerID).
			WithRecommend("remove crossAccountOwnerId and crossAccountRoleName; for a role of your own account use authType RamRole with authIdentity set to its RoleId")
	case !roleNamePattern.MatchString(p.CrossAccountRoleName):
		return invalid(param, "crossAccountRoleName %q is not a role name", p.CrossAccountRoleName).
			WithRecommend("a role name has up to 64 letters, digits, '.', '@' and '-'")
	case p.AuthType != "RamRole":
		return invalid(param, "a cross-account data source uses authType RamRole, not %s", p.AuthType).
			WithRecommend(`write "authType": "RamRole"`)
	case p.AuthIdentity != "":
		return invalid(param, "authIdentity is for the same-account mode; a cross-account data source names the role with crossAccountRoleName only").
			WithRecommend("remove authIdentity")
	case p.AccessID != "" || p.AccessKey != "" || p.Username != "" || p.Password != "":
		return invalid(param, "a cross-account data source reaches account %s through its role, with no AccessKey or password", p.CrossAccountOwnerID).
			WithRecommend("remove accessId, accessKey, username and password")
	}
	return nil
}

// sameAccountRole checks authIdentity in the same-account RamRole mode: the
// RoleId of a role of the workspace owner's account.
func (v *validation) sameAccountRole(p *Properties) error {
	param, owner := v.param, v.ws.Owner
	id := p.AuthIdentity
	if id == "" {
		return invalid(param, "authIdentity is required with authType RamRole in the same-account mode").
			WithRecommend("set authIdentity to the RoleId of a role of account %s; for a role of another account use crossAccountOwnerId and crossAccountRoleName instead", owner)
	}
	if m := roleARNPattern.FindStringSubmatch(id); m != nil {
		if m[1] != owner {
			return invalid(param, "authIdentity %s names a role of account %s, not of the workspace owner's account %s", id, m[1], owner).
				WithRecommend(`to use a role of account %s, add a cross-account data source: "authType": "RamRole", "crossAccountOwnerId": "%s", "crossAccountRoleName": "%s", and no authIdentity`, m[1], m[1], m[2])
		}
		role, err := v.r.GetRole(owner, m[2])
		if err != nil {
			return invalid(param, "authIdentity %s names a role that does not exist", id).WithRecommend("create the role, or check its name")
		}
		return invalid(param, "authIdentity takes the role's RoleId, not its ARN").WithRecommend("write \"authIdentity\": \"%s\"", role.ID)
	}
	if !numericPattern.MatchString(id) {
		if role, err := v.r.GetRole(owner, id); err == nil {
			return invalid(param, "authIdentity takes the role's RoleId, not its name").WithRecommend("write \"authIdentity\": \"%s\"", role.ID)
		}
		return invalid(param, "authIdentity %q is not a RoleId of account %s", id, owner).
			WithRecommend("set it to the RoleId of one of your roles (GetRole shows it)")
	}
	found, err := v.findRole(owner, id)
	if err != nil {
		return err
	}
	if !found {
		return invalid(param, "authIdentity %s is not the RoleId of a role of account %s, the workspace owner's", id, owner).
			WithRecommend("in the same-account mode authIdentity names one of your own roles; for a role of another account use crossAccountOwnerId and crossAccountRoleName instead")
	}
	return nil
}

// findRole looks a RoleId up among an account's roles.
func (v *validation) findRole(account, id string) (bool, error) {
	_, err := v.r.GetRoleByID(account, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// sameAccountUser checks authIdentity in the SubAccount mode: the id of a
// RAM user of the workspace owner's account.
func (v *validation) sameAccountUser(p *Properties) error {
	param, owner := v.param, v.ws.Owner
	id := p.AuthIdentity
	if id == "" {
		return invalid(param, "authIdentity is required with authType SubAccount").
			WithRecommend("set authIdentity to the UserId of a RAM user of account %s", owner)
	}
	_, err := v.r.GetUserByID(owner, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if u, err := v.r.GetUser(owner, id); err == nil {
		return invalid(param, "authIdentity takes the RAM user's UserId, not its name").WithRecommend("write \"authIdentity\": \"%s\"", u.ID)
	}
	return invalid(param, "authIdentity %s is not the UserId of a RAM user of account %s, the workspace owner's", id, owner).
		WithRecommend("set it to the UserId of one of your RAM users (GetUser shows it)")
}

func (v *validation) maxCompute(p *Properties) error {
	param := v.param
	switch {
	case p.Project == "":
		return invalid(param, "project is required for a maxcompute data source").
			WithRecommend(`add "project": "<MaxCompute project name>"`)
	case !projectNamePattern.MatchString(p.Project):
		return invalid(param, "project %q is not a MaxCompute project name", p.Project).
			WithRecommend("a project name has 3 to 28 letters, digits and underscores, starting with a letter")
	case p.InstanceID != "" || p.Database != "" || p.WarehouseName != "":
		return invalid(param, "instanceId, database and warehouseName belong to hologres data sources, not maxcompute").
			WithRecommend("remove them, or add the data source with Type hologres")
	}
	switch strings.ToLower(p.EndpointMode) {
	case "", "selfadaption":
		p.EndpointMode = "SelfAdaption"
	case "custom":
		p.EndpointMode = "Custom"
		if p.Endpoint == "" {
			return invalid(param, "endpoint is required with endpointMode Custom").WithRecommend("give the endpoint, or use endpointMode SelfAdaption")
		}
	default:
		return invalid(param, "endpointMode %q is not SelfAdaption or Custom", p.EndpointMode)
	}
	return nil
}

func (v *validation) hologres(p *Properties) error {
	param := v.param
	switch {
	case p.InstanceID == "":
		return invalid(param, "instanceId is required for a hologres data source").
			WithRecommend(`add "instanceId": "<Hologres instance id or name>"`)
	case p.Database == "":
		return invalid(param, "database is required for a hologres data source").
			WithRecommend(`add "database": "<database name>"`)
	case p.Project != "":
		return invalid(param, "project belongs to maxcompute data sources, not hologres").
			WithRecommend("remove it, or add the data source with Type maxcompute")
	}
	switch strings.ToLower(p.SecurityProtocol) {
	case "", "authtypenone":
		p.SecurityProtocol = "authTypeNone"
	case "authtypessl":
		p.SecurityProtocol = "authTypeSsl"
	default:
		return invalid(param, "securityProtocol %q is not authTypeNone or authTypeSsl", p.SecurityProtocol)
	}
	return nil
}
