package dataworks

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// DataSource is one environment of a data source (or of a compute
// resource: they share the shape). Props are masked unless the value came
// from Reveal.
type DataSource struct {
	ID          int64
	Workspace   int64
	Owner       string // the workspace owner's account
	Region      string // the workspace's region
	Name        string
	Env         string // EnvDev or EnvProd
	Type        string // TypeMaxCompute or TypeHologres
	Mode        string // ModeURL or ModeInstance
	Props       Properties
	Description string
	CreateUser  string
	ModifyUser  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Default marks a compute resource that is the first of its type and
	// environment in its workspace (WhetherDefault).
	Default bool
	// The last connectivity test of this environment (from any resource
	// group): "" when it was never tested since it was created or updated.
	ConnectState   ConnectState
	ConnectMessage string
	ConnectTime    time.Time
}

// CrossAccount reports whether the source reaches another account's
// project or instance through that account's role (reference §6): such a
// source serves data synchronization only.
func (d DataSource) CrossAccount() bool {
	return d.Props.CrossAccountOwnerID != "" && d.Props.CrossAccountOwnerID != d.Owner
}

// ResourceOwner is the account that owns the project or instance.
func (d DataSource) ResourceOwner() string {
	if d.CrossAccount() {
		return d.Props.CrossAccountOwnerID
	}
	return d.Owner
}

// QualifiedName is <uid>:<region>:odps:<project> or
// <uid>:<region>:holo:<instanceId>:<database>, with the UID of the account
// that owns the project or instance (reference §2.2: unconfirmed for
// cross-account sources; localyun uses the resource owner so that Data Map
// ids match the engine's).
func (d DataSource) QualifiedName() string {
	parts := []string{d.ResourceOwner(), d.Props.RegionID, LegacyType(d.Type)}
	switch d.Type {
	case TypeMaxCompute:
		parts = append(parts, d.Props.Project)
	case TypeHologres:
		parts = append(parts, d.Props.InstanceID, d.Props.Database)
	}
	return strings.Join(parts, ":")
}

// dataSourceFrom reads a stored record; its properties are stored masked.
func dataSourceFrom(rec store.DataSource, w store.Workspace) (DataSource, error) {
	p, err := parseProperties("ConnectionProperties", string(rec.Properties), false)
	if err != nil {
		return DataSource{}, apierr.Internal(err)
	}
	return DataSource{ID: rec.ID, Workspace: rec.Workspace, Owner: w.Owner, Region: w.Region, Name: rec.Name, Env: rec.Env,
		Type: rec.Type, Mode: rec.Mode, Props: p, Description: rec.Description, CreateUser: rec.CreateUser,
		ModifyUser: rec.ModifyUser, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt,
		ConnectState: ConnectState(rec.ConnectState), ConnectMessage: rec.ConnectMessage, ConnectTime: rec.ConnectTime}, nil
}

// DataSourceInput describes a new data source (or compute resource).
type DataSourceInput struct {
	Workspace int64
	Name      string
	Type      string // TypeMaxCompute or TypeHologres
	Mode      string // ConnectionPropertiesMode; "" for the type's
	// Env is the environment named outside the document (the 2020-05-18
	// EnvType), or "" when the document's envType names it.
	Env string
	// Properties is the ConnectionProperties (or 2020-05-18 Content)
	// document; Param is its parameter's name for errors, and Legacy
	// accepts the 2020-05-18 Content spellings.
	Properties  string
	Param       string
	Legacy      bool
	Description string
}

// DataSourceUpdate replaces a data source's properties.
type DataSourceUpdate struct {
	ID int64
	// Workspace, when not 0, must be the data source's workspace.
	Workspace int64
	// Env, when not "", must be its environment (which cannot change).
	Env         string
	Mode        string // "": unchanged
	Properties  string
	Param       string
	Legacy      bool
	Description *string // nil: unchanged
}

// conn is what differs between data sources and compute resources.
type conn struct {
	kind     string
	notFound func(string) *apierr.Error
	exists   func(name, env string, ws int64) *apierr.Error
}

var (
	dataSources = conn{kind: store.DataSourceKind, notFound: errConnectionNotExists,
		exists: func(name, env string, ws int64) *apierr.Error {
			return apierr.New(409, CodeConnectionExists, "The connection already exists.").
				WithRecommend("workspace %d already has a %s data source named %s; choose another name, or update that one", ws, env, name)
		}}
	computeResources = conn{kind: store.ComputeResourceKind, notFound: errComputeNotExists,
		exists: func(name, env string, ws int64) *apierr.Error {
			return apierr.New(409, CodeComputeExists, "The compute resource already exists.").
				WithRecommend("workspace %d already has a %s compute resource named %s; choose another name", ws, env, name)
		}}
)

// CreateDataSource adds one environment of a data source to a workspace of
// the caller's account.
func (s *Service) CreateDataSource(ctx context.Context, caller *iam.Identity, in DataSourceInput) (DataSource, error) {
	return s.create(ctx, dataSources, caller, in)
}

func (s *Service) create(ctx context.Context, c conn, caller *iam.Identity, in DataSourceInput) (DataSource, error) {
	if in.Param == "" {
		in.Param = "ConnectionProperties"
	}
	if err := checkName("Name", in.Name); err != nil {
		return DataSource{}, err
	}
	typ, err := NormalizeType("Type", in.Type)
	if err != nil {
		return DataSource{}, err
	}
	p, err := parseProperties(in.Param, in.Properties, in.Legacy)
	if err != nil {
		return DataSource{}, err
	}
	mode := in.Mode
	now := s.o.Now().UTC()
	var out DataSource
	err = s.update(ctx, func(tx store.Tx) error {
		w, err := ownWorkspace(tx, caller, in.Workspace)
		if err != nil {
			return err
		}
		v := &validation{s: s, r: tx, param: in.Param, ws: w}
		if err := v.properties(typ, in.Env, &mode, &p); err != nil {
			return err
		}
		if c.kind == store.ComputeResourceKind {
			if err := v.computeResource(typ, &p); err != nil {
				return err
			}
		}
		for k, v := range p.secrets() {
			if v == Mask {
				return invalid(in.Param, "%s is %s, the mask localyun shows instead of secrets", k, Mask).
					WithRecommend("send the value of %s itself", k)
			}
		}
		if _, err := tx.GetDataSourceByName(c.kind, w.ID, in.Name, p.EnvType); err == nil {
			return c.exists(in.Name, p.EnvType, w.ID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// The environments of one name are one data source: one type.
		other := EnvDev
		if p.EnvType == EnvDev {
			other = EnvProd
		}
		if o, err := tx.GetDataSourceByName(c.kind, w.ID, in.Name, other); err == nil && o.Type != typ {
			return invalid("Type", "%s is a %s data source (its %s environment): its %s environment must be %s too", o.Name, o.Type, other, p.EnvType, o.Type).
				WithRecommend("give this %s another name, or add the %s environment with Type %s", typ, p.EnvType, o.Type)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		id, err := nextID(tx, metaDataSourceID, firstDataSourceID)
		if err != nil {
			return err
		}
		rec := store.DataSource{ID: id, Kind: c.kind, Workspace: w.ID, Name: in.Name, Env: p.EnvType, Type: typ, Mode: mode,
			Description: in.Description, CreateUser: actor(caller), ModifyUser: actor(caller), CreatedAt: now, UpdatedAt: now}
		if err := s.seal(&rec, p); err != nil {
			return err
		}
		if err := tx.CreateDataSource(rec); err != nil {
			return err
		}
		out, err = dataSourceFrom(rec, w)
		return err
	})
	return out, err
}

// seal stores p in rec: masked in Properties, its secrets sealed in
// Secrets.
func (s *Service) seal(rec *store.DataSource, p Properties) error {
	var err error
	if rec.Properties, err = json.Marshal(p.Masked()); err != nil {
		return err
	}
	rec.Secrets, err = s.sealer.seal(rec.ID, p.secrets())
	return err
}

// ownRecord reads a record of a kind in a workspace of the caller's
// account; anything else does not exist for the caller.
func ownRecord(r store.Reader, c conn, caller *iam.Identity, workspace, id int64) (store.DataSource, store.Workspace, error) {
	rec, err := r.GetDataSource(id)
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.Kind != c.kind {
		return rec, store.Workspace{}, c.notFound(strconv.FormatInt(id, 10))
	}
	if err != nil {
		return rec, store.Workspace{}, err
	}
	w, err := r.GetWorkspace(rec.Workspace)
	if err != nil {
		return rec, w, err
	}
	if w.Owner != caller.Account {
		return rec, w, c.notFound(strconv.FormatInt(id, 10))
	}
	if workspace != 0 && rec.Workspace != workspace {
		return rec, w, c.notFound(strconv.FormatInt(id, 10) + " in workspace " + strconv.FormatInt(workspace, 10))
	}
	return rec, w, nil
}

// GetDataSource returns a data source of the caller's account, masked.
func (s *Service) GetDataSource(ctx context.Context, caller *iam.Identity, id int64) (DataSource, error) {
	return s.get(ctx, dataSources, caller, 0, id)
}

// get reads a record; workspace, when not 0, must be its workspace.
func (s *Service) get(ctx context.Context, c conn, caller *iam.Identity, workspace, id int64) (DataSource, error) {
	var out DataSource
	err := s.view(ctx, func(r store.Reader) error {
		rec, w, err := ownRecord(r, c, caller, workspace, id)
		if err != nil {
			return err
		}
		out, err = dataSourceFrom(rec, w)
		if err == nil && c.kind == store.ComputeResourceKind {
			out.Default, err = isDefaultCompute(r, rec)
		}
		return err
	})
	return out, err
}

// GetDataSourceByName returns the data source of a workspace of the
// caller's account with that name and environment, masked.
func (s *Service) GetDataSourceByName(ctx context.Context, caller *iam.Identity, workspace int64, name, env string) (DataSource, error) {
	var out DataSource
	err := s.view(ctx, func(r store.Reader) error {
		w, err := ownWorkspace(r, caller, workspace)
		if err != nil {
			return err
		}
		rec, err := r.GetDataSourceByName(store.DataSourceKind, workspace, name, env)
		if errors.Is(err, store.ErrNotFound) {
			return errConnectionNotExists(name + " (" + env + ")")
		}
		if err != nil {
			return err
		}
		out, err = dataSourceFrom(rec, w)
		return err
	})
	return out, err
}

// LookupDataSource finds the workspace of a data source or compute
// resource of any account, for building the ARN a call is authorized on.
func (s *Service) LookupDataSource(ctx context.Context, id int64) (Workspace, bool) {
	var w store.Workspace
	err := s.o.Store.View(ctx, func(r store.Reader) error {
		rec, err := r.GetDataSource(id)
		if err != nil {
			return err
		}
		w, err = r.GetWorkspace(rec.Workspace)
		return err
	})
	return workspaceFrom(w), err == nil
}

// Reveal returns a data source (or compute resource) with its secrets, for
// the components that connect with them (connectivity tests, Data
// Integration). It checks no caller: never hand its result to a client.
func (s *Service) Reveal(ctx context.Context, id int64) (DataSource, error) {
	var out DataSource
	err := s.view(ctx, func(r store.Reader) error {
		rec, err := r.GetDataSource(id)
		if errors.Is(err, store.ErrNotFound) {
			return errConnectionNotExists(strconv.FormatInt(id, 10))
		}
		if err != nil {
			return err
		}
		w, err := r.GetWorkspace(rec.Workspace)
		if err != nil {
			return err
		}
		if out, err = dataSourceFrom(rec, w); err != nil {
			return err
		}
		secrets, err := s.sealer.open(rec.ID, rec.Secrets)
		if err != nil {
			return err
		}
		out.Props = out.Props.withSecrets(secrets)
		return nil
	})
	return out, err
}

// UpdateDataSource replaces a data source's properties (and description).
// Its name, type and environment cannot change. A secret given as Mask
// keeps the stored value, so a document read back from the API can be
// sent again as it is.
func (s *Service) UpdateDataSource(ctx context.Context, caller *iam.Identity, u DataSourceUpdate) (DataSource, error) {
	return s.updateConn(ctx, dataSources, caller, u)
}

func (s *Service) updateConn(ctx context.Context, c conn, caller *iam.Identity, u DataSourceUpdate) (DataSource, error) {
	if u.Param == "" {
		u.Param = "ConnectionProperties"
	}
	p, err := parseProperties(u.Param, u.Properties, u.Legacy)
	if err != nil {
		return DataSource{}, err
	}
	var out DataSource
	err = s.update(ctx, func(tx store.Tx) error {
		rec, w, err := ownRecord(tx, c, caller, u.Workspace, u.ID)
		if err != nil {
			return err
		}
		if u.Env != "" && u.Env != rec.Env {
			return invalid("EnvType", "data source %d is the %s environment of %s; the environment cannot change", rec.ID, rec.Env, rec.Name).
				WithRecommend("update the %s record, or add the other environment with CreateDataSource", rec.Env)
		}
		if p.EnvType != "" {
			if env, err := NormalizeEnv(u.Param, p.EnvType); err == nil && env != rec.Env {
				return invalid(u.Param, "envType %s: data source %d is the %s environment of %s, and the environment cannot change", env, rec.ID, rec.Env, rec.Name).
					WithRecommend("update the %s record of %s instead, or leave envType as %s", env, rec.Name, rec.Env)
			}
		}
		mode := u.Mode
		if mode == "" {
			mode = rec.Mode
		}
		// Secrets sent as the mask keep their stored value.
		old, err := s.sealer.open(rec.ID, rec.Secrets)
		if err != nil {
			return err
		}
		secrets := p.secrets()
		for k, v := range secrets {
			if v != Mask {
				continue
			}
			prev, ok := old[k]
			if !ok {
				return invalid(u.Param, "%s is %s, but the data source has no stored %s to keep", k, Mask, k).
					WithRecommend("send the value of %s", k)
			}
			secrets[k] = prev
		}
		p = p.withSecrets(secrets)
		v := &validation{s: s, r: tx, param: u.Param, ws: w}
		if err := v.properties(rec.Type, rec.Env, &mode, &p); err != nil {
			return err
		}
		if c.kind == store.ComputeResourceKind {
			if err := v.computeResource(rec.Type, &p); err != nil {
				return err
			}
		}
		rec.Mode = mode
		if u.Description != nil {
			rec.Description = *u.Description
		}
		rec.ModifyUser, rec.UpdatedAt = actor(caller), s.o.Now().UTC()
		if err := s.seal(&rec, p); err != nil {
			return err
		}
		if err := tx.UpdateDataSource(rec); err != nil {
			return err
		}
		out, err = dataSourceFrom(rec, w)
		return err
	})
	return out, err
}

// DeleteDataSource deletes one environment of a data source. workspace,
// when not 0, must be its workspace.
func (s *Service) DeleteDataSource(ctx context.Context, caller *iam.Identity, workspace, id int64) error {
	return s.deleteConn(ctx, dataSources, caller, workspace, id)
}

func (s *Service) deleteConn(ctx context.Context, c conn, caller *iam.Identity, workspace, id int64) error {
	return s.update(ctx, func(tx store.Tx) error {
		if _, _, err := ownRecord(tx, c, caller, workspace, id); err != nil {
			return err
		}
		return tx.DeleteDataSource(id)
	})
}

// Query selects data sources of a workspace.
type Query struct {
	Workspace    int64
	Name         string // exact, case-insensitive
	NameContains string
	Types        []string // nil: all
	Env          string
	SortBy       string // CreateTime (default), Id, Name
	Desc         bool
	// GroupByName pages over names (the 2024-05-18 ListDataSources);
	// otherwise over records (2020-05-18).
	GroupByName  bool
	Offset, Size int
}

// Page is one page of data sources and how many records (or names, when
// grouped) the query selects.
type Page struct {
	Items []DataSource
	Total int
}

// MaxPageSize bounds a page.
const MaxPageSize = 100

// ListDataSources lists data sources of a workspace of the caller's
// account, masked.
func (s *Service) ListDataSources(ctx context.Context, caller *iam.Identity, q Query) (Page, error) {
	return s.list(ctx, dataSources, caller, q)
}

func (s *Service) list(ctx context.Context, c conn, caller *iam.Identity, q Query) (Page, error) {
	switch q.SortBy {
	case "", "CreateTime", "Id", "Name":
	default:
		return Page{}, invalid("SortBy", "%q is not CreateTime, Id or Name", q.SortBy)
	}
	if q.Size <= 0 || q.Size > MaxPageSize {
		return Page{}, invalid("PageSize", "%d is not between 1 and %d", q.Size, MaxPageSize)
	}
	var page Page
	err := s.view(ctx, func(r store.Reader) error {
		w, err := ownWorkspace(r, caller, q.Workspace)
		if err != nil {
			return err
		}
		recs, total, err := r.ListDataSources(store.DataSourceQuery{Kind: c.kind, Workspace: w.ID, Name: q.Name,
			NameContains: q.NameContains, Types: q.Types, Env: q.Env, SortBy: q.SortBy, Desc: q.Desc,
			GroupByName: q.GroupByName, Offset: q.Offset, Limit: q.Size})
		if err != nil {
			return err
		}
		page.Total = total
		page.Items = make([]DataSource, 0, len(recs))
		defaults := map[string]int64{}
		if c.kind == store.ComputeResourceKind {
			if defaults, err = defaultComputes(r, w.ID); err != nil {
				return err
			}
		}
		for _, rec := range recs {
			d, err := dataSourceFrom(rec, w)
			if err != nil {
				return err
			}
			d.Default = defaults[rec.Type+"/"+rec.Env] == rec.ID
			page.Items = append(page.Items, d)
		}
		return nil
	})
	return page, err
}
