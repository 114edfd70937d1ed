package dataworksapi

import (
	"context"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/gateway"
)

// The 2024-05-18 compute resource actions: a workspace binds MaxCompute
// projects and Hologres databases of its own account and region as its
// computing resources; cross-account, cross-region and AccessKey sources
// are refused (Invalid.ComputeResource.DataSyncOnly), as they serve data
// synchronization only (reference/dataworks.md §6).

func (a *api) computeActions2024(listFilters []gateway.Param) []gateway.Action {
	v := Version2024
	return []gateway.Action{
		a.act(v, "CreateComputeResource", "Binds a MaxCompute project or Hologres database of the workspace's own account and region as a computing resource; refuses cross-account, cross-region and AccessKey sources (data synchronization only).",
			[]gateway.Param{p24ProjectID, {Name: "Name", Required: true, MaxLen: dataworks.MaxNameLen + 1}, {Name: "Type", Required: true, MaxLen: 64},
				p24PropsMode, p24Props, pDescription},
			a.workspace("ProjectId"), a.createComputeResource),
		a.act(v, "GetComputeResource", "Returns a compute resource, with WhetherDefault.",
			[]gateway.Param{p24ID, p24ProjectID}, a.workspace("ProjectId"), a.getComputeResource),
		a.act(v, "ListComputeResources", "Lists a workspace's compute resources grouped by name, like ListDataSources.",
			listFilters, a.workspace("ProjectId"), a.listComputeResources),
		a.act(v, "UpdateComputeResource", "Replaces a compute resource's ConnectionProperties, with the binding rules checked again.",
			[]gateway.Param{p24ID, p24ProjectID, p24PropsMode, p24Props, pDescription},
			a.workspace("ProjectId"), a.updateComputeResource),
		a.act(v, "DeleteComputeResource", "Unbinds a compute resource.",
			[]gateway.Param{p24ID, p24ProjectID}, a.workspace("ProjectId"), a.deleteComputeResource),
	}
}

func (a *api) createComputeResource(ctx context.Context, c *gateway.Call) (any, error) {
	d, err := a.svc.BindComputeResource(ctx, c.Caller, dataworks.DataSourceInput{
		Workspace: c.Int("ProjectId", 0), Name: c.String("Name"), Type: c.String("Type"), Mode: c.String("ConnectionPropertiesMode"),
		Properties: c.String("ConnectionProperties"), Description: c.String("Description"),
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ID int64 `json:"Id"`
	}{d.ID}, nil
}

// compute24 is a compute resource: the data source model plus
// WhetherDefault.
type compute24 struct {
	dataSource24
	WhetherDefault bool `json:"WhetherDefault"`
}

func (a *api) getComputeResource(ctx context.Context, c *gateway.Call) (any, error) {
	d, err := a.svc.GetComputeResource(ctx, c.Caller, c.Int("ProjectId", 0), c.Int("Id", 0))
	if err != nil {
		return nil, err
	}
	return struct {
		ComputeResource compute24 `json:"ComputeResource"`
	}{compute24{view(d, true), d.Default}}, nil
}

func (a *api) listComputeResources(ctx context.Context, c *gateway.Call) (any, error) {
	q, err := listQuery(c)
	if err != nil {
		return nil, err
	}
	p, err := a.svc.ListComputeResources(ctx, c.Caller, q)
	if err != nil {
		return nil, err
	}
	type entry struct {
		ComputeResource []compute24 `json:"ComputeResource"`
		Name            string      `json:"Name"`
		Type            string      `json:"Type"`
	}
	list := []entry{}
	i := 0
	for _, g := range groups(p.Items) {
		e := entry{Name: g.Name, Type: g.Type}
		for _, r := range g.Records {
			e.ComputeResource = append(e.ComputeResource, compute24{r, p.Items[i].Default})
			i++
		}
		list = append(list, e)
	}
	type pagingInfo struct {
		ComputeResources []entry `json:"ComputeResources"`
		PageNumber       int64   `json:"PageNumber"`
		PageSize         int64   `json:"PageSize"`
		TotalCount       int64   `json:"TotalCount"`
	}
	return struct {
		PagingInfo pagingInfo `json:"PagingInfo"`
	}{pagingInfo{list, c.Int("PageNumber", 1), int64(q.Size), int64(p.Total)}}, nil
}

func (a *api) updateComputeResource(ctx context.Context, c *gateway.Call) (any, error) {
	if _, err := a.svc.UpdateComputeResource(ctx, c.Caller, updateOf(c)); err != nil {
		return nil, err
	}
	return success{true}, nil
}

func (a *api) deleteComputeResource(ctx context.Context, c *gateway.Call) (any, error) {
	if err := a.svc.DeleteComputeResource(ctx, c.Caller, c.Int("ProjectId", 0), c.Int("Id", 0)); err != nil {
		return nil, err
	}
	return success{true}, nil
}
