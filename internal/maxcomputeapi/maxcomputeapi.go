// Package maxcomputeapi serves the MaxCompute control API, version
// 2019-06-12, that the monolithic Go SDK offers (services/maxcompute):
// CreateProject, GetProject and DeleteProject, parameters in the form body
// (https://help.aliyun.com/document_detail/473237.htm for the current
// version's authorization; reference/maxcompute.md). It translates
// parameters and results; package maxcompute creates and stores projects.
//
// Each action is authorized with RAM as odps:<Action> on
// acs:odps:<region>:<owner UID>:project/<name>, the resource the current
// API documents. Projects belong to the caller's account: an account never
// reaches another account's project through this API (a RAM role of that
// account does, with its STS credentials).
//
// Responses are {RequestId, Code, Message, Data}, Data a string: the
// project as JSON text for CreateProject and GetProject, "success" for
// DeleteProject.
package maxcomputeapi

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/maxcompute"
)

// Version is the MaxCompute API version.
const Version = "2019-06-12"

type api struct {
	svc           *maxcompute.Service
	defaultRegion string
}

// Actions declares the MaxCompute actions. defaultRegion is the region of
// projects created without OdpsRegionId.
func Actions(svc *maxcompute.Service, defaultRegion string) []gateway.Action {
	a := &api{svc: svc, defaultRegion: defaultRegion}
	name := gateway.Param{Name: "ProjectName", Required: true, MaxLen: 64}
	return []gateway.Action{
		{
			Product: "MaxCompute", Version: Version, Name: "CreateProject",
			Doc: "Creates a project owned by the caller's account, with its database; it accepts the ALIYUN and RAM account providers.",
			Params: []gateway.Param{name, {Name: "OdpsRegionId", MaxLen: 64}, {Name: "OdpsSpecificationType", MaxLen: 64},
				{Name: "OrderType", MaxLen: 64}},
			Permission: func(c *gateway.Call) (string, string, bool) {
				return "odps:CreateProject", arn(a.region(c.String("OdpsRegionId")), c.Caller.Account, c.String("ProjectName")), true
			},
			Handler: a.createProject,
		},
		{
			Product: "MaxCompute", Version: Version, Name: "GetProject",
			Doc:        "Returns a project of the caller's account as JSON text in Data.",
			Params:     []gateway.Param{name, {Name: "RegionName", MaxLen: 64}},
			Permission: a.permission("odps:GetProject", "RegionName"),
			Handler:    a.getProject,
		},
		{
			Product: "MaxCompute", Version: Version, Name: "DeleteProject",
			Doc:        "Deletes a project of the caller's account with its security model and data.",
			Params:     []gateway.Param{name, {Name: "RegionIdName", MaxLen: 64}},
			Permission: a.permission("odps:DeleteProject", "RegionIdName"),
			Handler:    a.deleteProject,
		},
	}
}

func (a *api) region(r string) string {
	if r == "" {
		return a.defaultRegion
	}
	return r
}

func arn(region, account, project string) string {
	return "acs:odps:" + region + ":" + account + ":project/" + project
}

// permission authorizes an action on an existing project: the ARN names
// the project's region and owner when it exists (a project of another
// account is then refused by the handler, whatever RAM allowed), else the
// caller's account and the region given.
func (a *api) permission(action, regionParam string) func(c *gateway.Call) (string, string, bool) {
	return func(c *gateway.Call) (string, string, bool) {
		if p, err := a.svc.GetProject(context.Background(), c.String("ProjectName")); err == nil {
			return action, arn(p.Region, p.Owner, p.Name), true
		}
		return action, arn(a.region(c.String(regionParam)), c.Caller.Account, c.String("ProjectName")), true
	}
}

// result is the response of every action.
type result struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
	Data    string `json:"Data"`
}

// projectJSON is a project as Data carries it.
type projectJSON struct {
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	RegionID    string `json:"regionId"`
	Comment     string `json:"comment"`
	Type        string `json:"type"`
	Status      string `json:"status"`
	CreatedTime string `json:"createdTime"`
}

func projectData(p maxcompute.ProjectInfo) string {
	data, _ := json.Marshal(projectJSON{Name: p.Name, Owner: p.Owner, RegionID: p.Region, Comment: p.Comment, Type: "managed",
		Status: "AVAILABLE", CreatedTime: p.CreatedAt.UTC().Format(time.RFC3339)}) // plain data: cannot fail
	return string(data)
}

func ok(data string) result { return result{Code: "200", Message: "success", Data: data} }

func (a *api) createProject(ctx context.Context, c *gateway.Call) (any, error) {
	p, err := a.svc.CreateProject(ctx, c.Caller.Account, c.String("ProjectName"), a.region(c.String("OdpsRegionId")), "")
	if err != nil {
		return nil, err
	}
	return ok(projectData(p)), nil
}

// ownProject returns a project of the caller's account in the region given
// (if any).
func (a *api) ownProject(ctx context.Context, c *gateway.Call, regionParam string) (maxcompute.ProjectInfo, error) {
	name := c.String("ProjectName")
	p, err := a.svc.GetProject(ctx, name)
	if err != nil {
		return p, err
	}
	if p.Owner != c.Caller.Account {
		return p, apierr.Newf(403, "NoPermission", "You are not authorized to do this action.").
			WithRecommend("project %s belongs to account %s; an account manages only its own projects (a RAM role of account %s, added to the project, can use it over the ODPS API)",
				p.Name, p.Owner, p.Owner)
	}
	if r := c.String(regionParam); r != "" && !strings.EqualFold(r, p.Region) {
		return p, maxcompute.NoSuchProject(name).WithRecommend("project %s is in region %s, not %s", p.Name, p.Region, r)
	}
	return p, nil
}

func (a *api) getProject(ctx context.Context, c *gateway.Call) (any, error) {
	p, err := a.ownProject(ctx, c, "RegionName")
	if err != nil {
		return nil, err
	}
	return ok(projectData(p)), nil
}

func (a *api) deleteProject(ctx context.Context, c *gateway.Call) (any, error) {
	p, err := a.ownProject(ctx, c, "RegionIdName")
	if err != nil {
		return nil, err
	}
	if err := a.svc.DeleteProject(ctx, p.Name); err != nil {
		return nil, err
	}
	return ok("success"), nil
}
