package dataworks

import (
	"context"
	"errors"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Compute resources are the MaxCompute projects and Hologres databases a
// workspace binds as its computing resources (the 2024-05-18
// CreateComputeResource API). They have the data source shape, but a
// workspace binds only its own account's projects and instances in its own
// region, with no AccessKey (reference §6): cross-account, cross-region
// and AccessKey data sources serve data synchronization only.

// BindComputeResource binds a MaxCompute project or Hologres database as a
// computing resource of a workspace of the caller's account.
func (s *Service) BindComputeResource(ctx context.Context, caller *iam.Identity, in DataSourceInput) (DataSource, error) {
	return s.create(ctx, computeResources, caller, in)
}

// GetComputeResource returns a compute resource of the caller's account;
// workspace, when not 0, must be its workspace.
func (s *Service) GetComputeResource(ctx context.Context, caller *iam.Identity, workspace, id int64) (DataSource, error) {
	return s.get(ctx, computeResources, caller, workspace, id)
}

// ListComputeResources lists the compute resources of a workspace.
func (s *Service) ListComputeResources(ctx context.Context, caller *iam.Identity, q Query) (Page, error) {
	return s.list(ctx, computeResources, caller, q)
}

// UpdateComputeResource replaces a compute resource's properties, with the
// binding rules checked again.
func (s *Service) UpdateComputeResource(ctx context.Context, caller *iam.Identity, u DataSourceUpdate) (DataSource, error) {
	return s.updateConn(ctx, computeResources, caller, u)
}

// DeleteComputeResource unbinds a compute resource.
func (s *Service) DeleteComputeResource(ctx context.Context, caller *iam.Identity, workspace, id int64) error {
	return s.deleteConn(ctx, computeResources, caller, workspace, id)
}

// computeResource checks the binding rules: the project or instance is the
// workspace owner's, in the workspace's region, reached with no AccessKey,
// and exists.
func (v *validation) computeResource(typ string, p *Properties) error {
	var why []string
	if p.CrossAccountOwnerID != "" && p.CrossAccountOwnerID != v.ws.Owner {
		why = append(why, "it reaches account "+p.CrossAccountOwnerID+"'s "+engineNoun(typ)+" through a role of that account (cross-account)")
	}
	if p.RegionID != v.ws.Region {
		why = append(why, "its "+engineNoun(typ)+" is in "+p.RegionID+", not in the workspace's region "+v.ws.Region+" (cross-region)")
	}
	if p.AuthType == "Ak" || p.AccessKey != "" || p.Password != "" {
		why = append(why, "it signs in with an AccessKey or a password (AccessKey data source)")
	}
	if len(why) > 0 {
		return apierr.New(400, CodeComputeDataSyncOnly,
			"The data source cannot be bound as a computing resource: cross-account, cross-region and AccessKey data sources serve data synchronization only.").
			WithRecommend("%s. A workspace binds computing resources of its own account (%s) and region (%s), accessed with an identity of that account; use this data source in Data Integration tasks instead",
				strings.Join(why, "; "), v.ws.Owner, v.ws.Region)
	}
	switch typ {
	case TypeMaxCompute:
		proj, err := v.r.GetProject(p.Project)
		if errors.Is(err, store.ErrNotFound) || err == nil && (proj.Owner != v.ws.Owner || proj.Region != v.ws.Region) {
			return invalid(v.param, "account %s has no MaxCompute project %s in %s", v.ws.Owner, p.Project, v.ws.Region).
				WithRecommend("create the project first (CreateProject of MaxCompute, or `localyun odps create-project`), or check its name")
		}
		return err
	case TypeHologres:
		instances, err := v.r.ListInstances(v.ws.Owner)
		if err != nil {
			return err
		}
		for _, in := range instances {
			if (in.ID == p.InstanceID || in.Name == p.InstanceID) && in.Region == v.ws.Region {
				return nil
			}
		}
		return invalid(v.param, "account %s has no Hologres instance %s in %s", v.ws.Owner, p.InstanceID, v.ws.Region).
			WithRecommend("create the instance first (`localyun holo create-instance`), or check its id or name")
	}
	return nil
}

func engineNoun(typ string) string {
	if typ == TypeHologres {
		return "Hologres instance"
	}
	return "MaxCompute project"
}

// defaultComputes maps type/env to the id of the workspace's default
// compute resource of that type and environment: the first one bound.
func defaultComputes(r store.Reader, workspace int64) (map[string]int64, error) {
	all, _, err := r.ListDataSources(store.DataSourceQuery{Kind: store.ComputeResourceKind, Workspace: workspace, SortBy: "Id"})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, rec := range all {
		if _, ok := out[rec.Type+"/"+rec.Env]; !ok {
			out[rec.Type+"/"+rec.Env] = rec.ID
		}
	}
	return out, nil
}

func isDefaultCompute(r store.Reader, rec store.DataSource) (bool, error) {
	d, err := defaultComputes(r, rec.Workspace)
	return d[rec.Type+"/"+rec.Env] == rec.ID, err
}
