// Package store is localyun's control-plane storage: accounts, RAM users,
// access keys, roles, policies and their versions, attachments, server
// metadata and the audit trail.
//
// A Store runs closures in transactions: View for reads, Update for writes,
// which commits when the closure returns nil and rolls back otherwise.
// Callers validate before calling Update and only write inside it. Every
// backend returns the sentinels below (wrapped with what was missing or
// colliding), and passes the conformance suite in package storetest.
//
// The records here are plain data. Names are stored as given; lookups of
// users and roles by name are case-insensitive, as RAM's are.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinels. Test with errors.Is.
var (
	// ErrNotFound: the record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a record with that key exists already.
	ErrExists = errors.New("already exists")
)

// NotFoundError names what was missing. It wraps ErrNotFound.
type NotFoundError struct {
	Kind string // "account", "user", "role", ...
	Key  string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Kind, e.Key) }
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// ExistsError names what collided. It wraps ErrExists.
type ExistsError struct {
	Kind string
	Key  string
}

func (e *ExistsError) Error() string { return fmt.Sprintf("%s %q already exists", e.Kind, e.Key) }
func (e *ExistsError) Unwrap() error { return ErrExists }

// Store is the control-plane database.
type Store interface {
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(Reader) error) error
	// Update runs fn in a read-write transaction: it commits when fn
	// returns nil and rolls back when fn returns an error, which Update
	// then returns. Writers are serialized.
	Update(ctx context.Context, fn func(Tx) error) error
	// Audit is the audit trail, written outside transactions.
	Audit() AuditLog
	// Close releases the database. Pending audit records are flushed.
	Close() error
}

// Reader reads records. Methods that get one record return a
// *NotFoundError (wrapping ErrNotFound) when there is none. List methods
// return records in a stable order (by name or id) and an empty slice when
// nothing matches.
type Reader interface {
	GetAccount(id string) (Account, error)
	GetAccountByName(name string) (Account, error)
	ListAccounts() ([]Account, error)

	// GetUser finds a RAM user by name, case-insensitively.
	GetUser(account, name string) (User, error)
	// GetUserByID finds a RAM user of account by its UserId.
	GetUserByID(account, id string) (User, error)
	// ListUsers returns up to limit users whose lower-cased name sorts
	// after `after` ("" for the first page).
	ListUsers(account, after string, limit int) ([]User, error)

	GetAccessKey(id string) (AccessKey, error)
	// ListAccessKeys lists the keys of a user, or of the account root
	// when user is "".
	ListAccessKeys(account, user string) ([]AccessKey, error)

	// GetRole finds a role by name, case-insensitively.
	GetRole(account, name string) (Role, error)
	// GetRoleByID finds a role of account by its RoleId.
	GetRoleByID(account, id string) (Role, error)
	ListRoles(account, after string, limit int) ([]Role, error)

	// GetPolicy finds a policy by type and name (case-insensitive).
	// System policies belong to no account: use account "".
	GetPolicy(account string, typ PolicyType, name string) (Policy, error)
	// ListPolicies lists policies of a type: System (every system
	// policy), Custom (the account's own), or "" for both, system first,
	// after the policy whose PolicyListKey is after ("" for the first page).
	ListPolicies(account string, typ PolicyType, after string, limit int) ([]Policy, error)
	GetPolicyVersion(account string, typ PolicyType, name, version string) (PolicyVersion, error)
	ListPolicyVersions(account string, typ PolicyType, name string) ([]PolicyVersion, error)

	// ListAttachments lists the policies attached to a user or a role, in
	// attachment order.
	ListAttachments(account string, kind PrincipalKind, name string) ([]Attachment, error)
	// ListPolicyAttachments lists what a policy is attached to in an
	// account, in attachment order.
	ListPolicyAttachments(account string, typ PolicyType, name string) ([]Attachment, error)

	// GetMeta reads a server setting; a *NotFoundError when unset.
	GetMeta(key string) ([]byte, error)

	// GetProject finds a MaxCompute project by name (case-insensitive:
	// project names are unique across accounts).
	GetProject(name string) (Project, error)
	// ListProjects lists the projects of an account ("" for all), by name.
	ListProjects(owner string) ([]Project, error)

	// GetInstance finds a Hologres instance by id.
	GetInstance(id string) (Instance, error)
	// ListInstances lists the instances of an account ("" for all), by id.
	ListInstances(owner string) ([]Instance, error)

	// GetWorkspace finds a DataWorks workspace by id.
	GetWorkspace(id int64) (Workspace, error)
	// GetWorkspaceByName finds a workspace of an account in a region by
	// name, case-insensitively.
	GetWorkspaceByName(owner, region, name string) (Workspace, error)
	// ListWorkspaces lists the workspaces of an account ("" for all) in a
	// region ("" for all), by id.
	ListWorkspaces(owner, region string) ([]Workspace, error)

	// GetDataSource finds a data source or compute resource by id.
	GetDataSource(id int64) (DataSource, error)
	// GetDataSourceByName finds the record of a kind, workspace, name
	// (case-insensitive) and environment.
	GetDataSourceByName(kind string, workspace int64, name, env string) (DataSource, error)
	// ListDataSources returns one page of the records q selects and how
	// many there are: records, or names when q.GroupByName (then the page
	// holds every selected record of the page's names).
	ListDataSources(q DataSourceQuery) ([]DataSource, int, error)

	// GetResourceGroup finds a DataWorks resource group by id.
	GetResourceGroup(id string) (ResourceGroup, error)
	// ListResourceGroups lists the resource groups of an account ("" for
	// all), by Number.
	ListResourceGroups(owner string) ([]ResourceGroup, error)
	// ListGroupWorkspaces lists the workspaces a resource group is
	// associated with, by id.
	ListGroupWorkspaces(group string) ([]int64, error)
	// ListWorkspaceGroups lists the resource groups associated with a
	// workspace, by id.
	ListWorkspaceGroups(workspace int64) ([]string, error)
}

// Tx reads and writes within one transaction. Create methods return an
// *ExistsError when the key is taken; Update and Delete methods a
// *NotFoundError when the record is missing.
type Tx interface {
	Reader

	CreateAccount(Account) error

	CreateUser(User) error
	UpdateUser(User) error
	DeleteUser(account, name string) error

	CreateAccessKey(AccessKey) error
	UpdateAccessKey(AccessKey) error
	DeleteAccessKey(id string) error

	CreateRole(Role) error
	UpdateRole(Role) error
	DeleteRole(account, name string) error

	CreatePolicy(Policy) error
	UpdatePolicy(Policy) error
	DeletePolicy(account string, typ PolicyType, name string) error
	CreatePolicyVersion(PolicyVersion) error
	DeletePolicyVersion(account string, typ PolicyType, name, version string) error

	Attach(Attachment) error
	Detach(account string, kind PrincipalKind, principal string, typ PolicyType, policy string) error

	SetMeta(key string, value []byte) error

	CreateProject(Project) error
	// UpdateProject replaces a project's State and UpdatedAt.
	UpdateProject(Project) error
	DeleteProject(name string) error

	// CreateInstance stores a new Hologres instance; an ExistsError when
	// the id, or the name within the owner's account and region, is taken,
	// or when another instance has the port.
	CreateInstance(Instance) error
	// UpdateInstance replaces an instance's Name, State and UpdatedAt.
	UpdateInstance(Instance) error
	DeleteInstance(id string) error

	// CreateWorkspace stores a new workspace; an ExistsError when the id,
	// or the name within the owner's account and region, is taken.
	CreateWorkspace(Workspace) error

	// CreateDataSource stores a new data source or compute resource; an
	// ExistsError when the id, or the kind, workspace, name and
	// environment, is taken.
	CreateDataSource(DataSource) error
	// UpdateDataSource replaces a record's Mode, Properties, Secrets,
	// Description, ModifyUser and UpdatedAt, and clears its last
	// connectivity test (the properties it tested may have changed).
	UpdateDataSource(DataSource) error
	// SetDataSourceConnectivity records the result of a record's last
	// connectivity test (ConnectState, ConnectMessage, ConnectTime); a
	// *NotFoundError when there is no such record.
	SetDataSourceConnectivity(id int64, state, message string, at time.Time) error
	DeleteDataSource(id int64) error

	// CreateResourceGroup stores a new resource group; an ExistsError when
	// the id or the Number is taken.
	CreateResourceGroup(ResourceGroup) error
	// UpdateResourceGroup replaces a group's Name, Remark, Status,
	// Settings and UpdatedAt.
	UpdateResourceGroup(ResourceGroup) error
	// Associate associates a resource group with a workspace; an
	// ExistsError when they are associated already.
	Associate(ResourceGroupAssociation) error
	// Dissociate removes an association; a NotFoundError when there is
	// none.
	Dissociate(group string, workspace int64) error
}

// Account is an Alibaba Cloud account.
type Account struct {
	ID        string // 16-digit UID
	Name      string // unique, immutable
	CreatedAt time.Time
}

// User is a RAM user.
type User struct {
	Account     string
	ID          string
	Name        string
	DisplayName string
	MobilePhone string
	Email       string
	Comments    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AccessKey is a permanent AccessKey of a RAM user or of an account root
// (User ""). The secret is not stored: Seed is the per-key input from which
// the server derives it with its own key.
type AccessKey struct {
	ID        string
	Account   string
	User      string // "" for the account root
	Seed      []byte
	Status    string // "Active" or "Inactive"
	CreatedAt time.Time
}

// Role is a RAM role.
type Role struct {
	Account            string
	ID                 string
	Name               string
	Description        string
	TrustPolicy        string
	MaxSessionDuration int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// PolicyType is System or Custom.
type PolicyType string

const (
	System PolicyType = "System"
	Custom PolicyType = "Custom"
)

// Policy is a policy; its documents are its versions.
type Policy struct {
	Account        string // "" for system policies
	Type           PolicyType
	Name           string
	Description    string
	DefaultVersion string
	// NextVersion numbers the next version ("v<NextVersion>"): version ids
	// are never reused.
	NextVersion int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PolicyVersion is one version of a policy's document.
type PolicyVersion struct {
	Account   string
	Type      PolicyType
	Policy    string
	ID        string // "v1", "v2", ...
	Document  string
	CreatedAt time.Time
}

// PolicyListKey is the position of p in ListPolicies order: system
// policies first, then by lower-cased name.
func PolicyListKey(p Policy) string {
	if p.Type == System {
		return "0" + strings.ToLower(p.Name)
	}
	return "1" + strings.ToLower(p.Name)
}

// PrincipalKind is what a policy is attached to.
type PrincipalKind string

const (
	UserPrincipal PrincipalKind = "User"
	RolePrincipal PrincipalKind = "Role"
)

// Attachment attaches a policy to a user or role of an account.
type Attachment struct {
	Account    string
	Kind       PrincipalKind
	Principal  string
	PolicyType PolicyType
	Policy     string
	AttachedAt time.Time
}

// Project is a MaxCompute project. Its security model (members, roles,
// grants, policies, configuration) is one document, State, owned by package
// maxcompute/security: every security statement reads and rewrites it in
// one transaction.
type Project struct {
	Name      string
	Owner     string // account UID
	Region    string
	Comment   string
	State     []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Instance is a Hologres instance: a PostgreSQL cluster run by localyun
// with its own front-end port. State is owned by package hologres.
type Instance struct {
	ID        string // hgpostcn-cn-<random>
	Name      string
	Owner     string // account UID
	Region    string
	Port      int // the front end's TCP port, kept across restarts
	State     []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Workspace is a DataWorks workspace ("project" in the APIs). Settings
// (flags, tags) is owned by package dataworks.
type Workspace struct {
	ID          int64 // unique across accounts
	Name        string
	DisplayName string
	Description string
	Owner       string // account UID
	Region      string
	Mode        string // "basic" or "standard"
	Settings    []byte
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Kinds of DataSource records.
const (
	DataSourceKind      = "DataSource"
	ComputeResourceKind = "ComputeResource"
)

// DataSource is one environment of a DataWorks data source, or of a
// compute resource (Kind): the connection properties without their
// secrets, which package dataworks seals into Secrets.
type DataSource struct {
	ID          int64 // unique across kinds and workspaces
	Kind        string
	Workspace   int64
	Name        string
	Env         string // "Dev" or "Prod"
	Type        string // "maxcompute", "hologres"
	Mode        string // ConnectionPropertiesMode
	Properties  []byte // a JSON object
	Secrets     []byte // nil when there are none
	Description string
	CreateUser  string
	ModifyUser  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// The last connectivity test: its state (Connectable, ConfigError,
	// Unreachable, Unsupport; "" when never tested since the record was
	// created or updated), message and time.
	ConnectState   string
	ConnectMessage string
	ConnectTime    time.Time
}

// DataSourceQuery selects records of one kind in a workspace.
type DataSourceQuery struct {
	Kind      string
	Workspace int64
	// Name matches exactly (case-insensitively); NameContains matches a
	// case-insensitive substring. "" matches every name.
	Name, NameContains string
	Types              []string // nil: every type
	Env                string   // "": both
	// SortBy is "CreateTime" (the default), "Id" or "Name"; a name's
	// position is its earliest record's when GroupByName.
	SortBy      string
	Desc        bool
	GroupByName bool
	// Offset and Limit page the records (or names); Limit 0 means all.
	Offset, Limit int
}

// ResourceGroup is a DataWorks resource group. Settings (payment, spec,
// network, client token) is owned by package dataworks.
type ResourceGroup struct {
	ID         string // Serverless_res_group_<uid>_<n>
	Number     int64  // the numeric id of the 2020-05-18 API, unique
	Owner      string
	Region     string
	Name       string
	Remark     string
	Type       string // "CommonV2" (serverless)
	Status     string // "Normal", "Stop"
	Default    bool
	Settings   []byte
	CreateUser string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ResourceGroupAssociation associates a resource group with a workspace.
type ResourceGroupAssociation struct {
	Group     string
	Workspace int64
	CreatedAt time.Time
}

// AuditLog is the trail of API calls and permission decisions. Append
// buffers; records reach the database by group commit within the
// backend's documented window, and at Flush and Close.
type AuditLog interface {
	Append(AuditRecord)
	Flush(ctx context.Context) error
	// Query returns records with Seq > after, oldest first, at most limit,
	// involving account (as caller or resource owner) unless account is "".
	Query(ctx context.Context, account string, after int64, limit int) ([]AuditRecord, error)
	// Prune deletes records older than before and returns how many.
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// AuditRecord is one API call or decision. It never holds a secret,
// signature, token, password or DSN: callers pass only what is listed here.
type AuditRecord struct {
	Seq             int64 // assigned by the store
	Time            time.Time
	RequestID       string
	Event           string // "api" for an API call, "authorize" for a decision
	CallerAccount   string
	Caller          string // principal ARN, or <uid>@<service>
	AccessKeyID     string
	SourceIP        string
	Action          string
	Resource        string
	ResourceAccount string
	Decision        string // Allow, ExplicitDeny, ImplicitDeny; "" when not a decision
	Deciding        string // the deciding statements, in words
	ErrorCode       string
	// Nonce and SignedAt are the signature nonce and timestamp of a
	// verified request, so the replay guard survives a restart.
	Nonce    string
	SignedAt time.Time
}
