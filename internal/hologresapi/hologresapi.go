// Package hologresapi serves the Hologres OpenAPI, version 2022-06-01
// (product Hologram, ROA style: the darabonba client signs it with V3):
// CreateInstance, GetInstance, ListInstances, DeleteInstance,
// ListWarehouses and ListDatabases (reference/hologres.md §1.2). Each call
// is authorized as hologram:<Action> on
// acs:hologram:<region>:<uid>:instance/<id> (ListInstances and
// CreateInstance on instance/*), so the seed's custom policy attached to a
// role is exactly what lets its sessions look an instance up.
package hologresapi

import (
	"context"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/policy"
)

// Version is the API version.
const Version = "2022-06-01"

// deniedMessage is the OpenAPI's text for a RAM denial (reference §1.4).
const deniedMessage = "RAM user permission is insufficient, please grant AliyunHologresReadOnlyAccess permission."

type api struct {
	svc           *hologres.Service
	defaultRegion string
}

// Actions declares the Hologres actions.
func Actions(svc *hologres.Service, defaultRegion string) []gateway.Action {
	a := &api{svc: svc, defaultRegion: defaultRegion}
	instanceID := gateway.Param{Name: "instanceId", Required: true, MaxLen: 64}
	act := func(name, method, path, doc string, params []gateway.Param, resource func(*gateway.Call) string, h func(context.Context, *gateway.Call) (any, error)) gateway.Action {
		return gateway.Action{
			Product: "Hologram", Version: Version, Name: name, Doc: doc, Method: method, Path: path, Params: params,
			DeniedMessage: deniedMessage,
			Permission:    func(c *gateway.Call) (string, string, bool) { return "hologram:" + name, resource(c), true },
			Handler:       h,
		}
	}
	return []gateway.Action{
		act("CreateInstance", "POST", "/api/v1/instances/create", "Creates an instance: a PostgreSQL cluster run by localyun, with its own port.",
			[]gateway.Param{{Name: "instanceName", Required: true, MaxLen: 64}, {Name: "regionId", MaxLen: 32}, {Name: "instanceType", MaxLen: 32},
				{Name: "zoneId", MaxLen: 64}, {Name: "chargeType", MaxLen: 32}, {Name: "cpu", Kind: gateway.Int}, {Name: "duration", Kind: gateway.Int},
				{Name: "pricingCycle", MaxLen: 16}, {Name: "autoPay", Kind: gateway.Bool}, {Name: "vpcId", MaxLen: 64}, {Name: "vSwitchId", MaxLen: 64}},
			a.all, a.create),
		act("GetInstance", "GET", "/api/v1/instances/{instanceId}", "Returns an instance with its Endpoints and status.",
			[]gateway.Param{instanceID}, a.instance, a.get),
		act("ListInstances", "POST", "/api/v1/instances", "Lists the account's instances.",
			[]gateway.Param{{Name: "resourceGroupId", MaxLen: 64}, {Name: "cmsInstanceType", MaxLen: 32}, {Name: "tag"}}, a.all, a.list),
		act("DeleteInstance", "POST", "/api/v1/instances/{instanceId}/delete", "Deletes an instance and its data.",
			[]gateway.Param{instanceID}, a.instance, a.lifecycle(a.svc.DeleteInstance)),
		act("StopInstance", "POST", "/api/v1/instances/{instanceId}/stop", "Stops a Running instance: its sessions end, its cluster stops, and it stays Stopped until ResumeInstance.",
			[]gateway.Param{instanceID}, a.instance, a.lifecycle(a.svc.StopInstance)),
		act("ResumeInstance", "POST", "/api/v1/instances/{instanceId}/resume", "Starts a Stopped instance again (Creating, then Running).",
			[]gateway.Param{instanceID}, a.instance, a.lifecycle(a.svc.ResumeInstance)),
		act("ListWarehouses", "GET", "/api/v1/instances/{instanceId}/listWarehouses", "Lists an instance's warehouses (one, init_warehouse).",
			[]gateway.Param{instanceID}, a.instance, a.warehouses),
		act("CreateUser", "POST", "/api/v1/instances/{instanceId}/createUser", "Adds an identity as a database user: an account UID, p4_<UserId> or v4_<RoleId>.",
			[]gateway.Param{instanceID, {Name: "userName", Required: true, MaxLen: 64}, {Name: "superUser", Kind: gateway.Bool}}, a.instance, a.createUser),
		act("ListDatabases", "GET", "/api/v1/instances/{instanceId}/listDatabases", "Lists an instance's databases and their permission models.",
			[]gateway.Param{instanceID, {Name: "external", Kind: gateway.Bool}}, a.instance, a.databases),
	}
}

// all is instance/* of the caller's account in the default region.
func (a *api) all(c *gateway.Call) string {
	return "acs:hologram:" + a.defaultRegion + ":" + c.Caller.Account + ":instance/*"
}

// instance is the ARN of the instance named in the path. An instance that
// does not exist is named in the caller's own account, so that the handler
// answers InstanceNotFound; one of another account is denied before the
// handler runs.
func (a *api) instance(c *gateway.Call) string {
	id := c.String("instanceId")
	in := hologres.Instance{ID: id, Region: a.defaultRegion, Owner: c.Caller.Account}
	if found, err := a.svc.GetInstance(context.Background(), id); err == nil {
		in = found
	}
	return InstanceARN(in)
}

// InstanceARN is the resource every instance action is authorized on:
// acs:hologram:<region>:<owner uid>:instance/<id>.
func InstanceARN(in hologres.Instance) string {
	return in.ARN()
}

// Authorize decides hologram:<action> on an instance for a caller inside
// localyun (DataWorks' connectivity tests and previews) exactly as the
// gateway decides it for the OpenAPI: the same action, the ARN of
// InstanceARN, iam.Authorize with its audit record, and the OpenAPI's
// denial text. in names the instance; for one that does not exist, its id
// with the owner and region to name it in.
func Authorize(ctx context.Context, ident *iam.Service, caller *iam.Identity, action string, in hologres.Instance, requestID string) error {
	now := ident.Now().UTC()
	err := ident.Authorize(ctx, caller, iam.Check{Action: action, Resource: InstanceARN(in), ResourceAccount: in.Owner,
		Context: policy.Context{
			{Key: policy.KeyCurrentTime, Values: []string{now.Format(time.RFC3339)}},
			{Key: policy.KeySecureTransport, Values: []string{"true"}},
			{Key: policy.KeyMFAPresent, Values: []string{"false"}},
			{Key: policy.KeyPrincipalARN, Values: []string{caller.ARN()}},
		},
		RequestID: requestID})
	if e := apierr.As(err); e != nil && e.Code == "NoPermission" {
		d := *e
		d.Message = deniedMessage
		return &d
	}
	return err
}

func envelope(data map[string]any) map[string]any {
	data["Success"] = true
	data["HttpStatusCode"] = "200"
	data["ErrorCode"] = ""
	data["ErrorMessage"] = ""
	return data
}

type endpoint struct {
	Type      string `json:"Type"`
	Endpoint  string `json:"Endpoint"`
	Enabled   bool   `json:"Enabled"`
	VpcID     string `json:"VpcId"`
	VSwitchID string `json:"VSwitchId"`
}

type instanceView struct {
	InstanceID     string     `json:"InstanceId"`
	InstanceName   string     `json:"InstanceName"`
	InstanceStatus string     `json:"InstanceStatus"`
	StatusReason   string     `json:"SuspendReason,omitempty"`
	InstanceType   string     `json:"InstanceType"`
	InstanceOwner  string     `json:"InstanceOwner"`
	RegionID       string     `json:"RegionId"`
	ZoneID         string     `json:"ZoneId"`
	Version        string     `json:"Version"`
	CommodityCode  string     `json:"CommodityCode"`
	ChargeType     string     `json:"InstanceChargeType"`
	CreationTime   string     `json:"CreationTime"`
	Endpoints      []endpoint `json:"Endpoints"`
	Cpu            int        `json:"Cpu"`
}

func view(in hologres.Instance) instanceView {
	return instanceView{
		InstanceID: in.ID, InstanceName: in.Name, InstanceStatus: in.Status, StatusReason: in.StatusReason,
		InstanceType: "Standard", InstanceOwner: in.Owner, RegionID: in.Region, ZoneID: in.Region + "-local",
		Version: "2.2.0", CommodityCode: "hologram_postpay_public_cn", ChargeType: "PostPaid",
		CreationTime: in.CreatedAt.UTC().Format(time.RFC3339), Cpu: 32,
		Endpoints: []endpoint{
			{Type: "Intranet", Endpoint: in.Endpoint(), Enabled: true},
			{Type: "Internet", Endpoint: in.Endpoint(), Enabled: true},
		},
	}
}

func (a *api) create(ctx context.Context, c *gateway.Call) (any, error) {
	region := c.String("regionId")
	if region == "" {
		region = a.defaultRegion
	}
	in, err := a.svc.CreateInstance(ctx, c.Caller.Account, c.String("instanceName"), region)
	if err != nil {
		return nil, err
	}
	return envelope(map[string]any{"Data": map[string]any{"InstanceId": in.ID, "Code": "", "Message": "", "Success": true}}), nil
}

// owned returns the instance when it belongs to the caller's account (the
// permission check already ensured it; this is defense in depth).
func (a *api) owned(ctx context.Context, c *gateway.Call) (hologres.Instance, error) {
	in, err := a.svc.GetInstance(ctx, c.String("instanceId"))
	if err != nil {
		return hologres.Instance{}, err
	}
	if in.Owner != c.Caller.Account {
		return hologres.Instance{}, hologres.NotFound(in.ID)
	}
	return in, nil
}

func (a *api) get(ctx context.Context, c *gateway.Call) (any, error) {
	in, err := a.owned(ctx, c)
	if err != nil {
		return nil, err
	}
	return envelope(map[string]any{"Instance": view(in)}), nil
}

func (a *api) list(ctx context.Context, c *gateway.Call) (any, error) {
	all, err := a.svc.ListInstances(ctx, c.Caller.Account)
	if err != nil {
		return nil, err
	}
	list := make([]instanceView, 0, len(all))
	for _, in := range all {
		list = append(list, view(in))
	}
	return envelope(map[string]any{"InstanceList": list}), nil
}

// lifecycle is the handler of an action that changes an instance of the
// caller's account and answers Data true.
func (a *api) lifecycle(do func(context.Context, string) error) func(context.Context, *gateway.Call) (any, error) {
	return func(ctx context.Context, c *gateway.Call) (any, error) {
		in, err := a.owned(ctx, c)
		if err != nil {
			return nil, err
		}
		if err := do(ctx, in.ID); err != nil {
			return nil, err
		}
		return envelope(map[string]any{"Data": true}), nil
	}
}

func (a *api) warehouses(ctx context.Context, c *gateway.Call) (any, error) {
	in, err := a.owned(ctx, c)
	if err != nil {
		return nil, err
	}
	whs, err := a.svc.ListWarehouses(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	var list []map[string]any
	for _, w := range whs {
		list = append(list, map[string]any{"Id": w.ID, "Name": w.Name, "Status": w.Status, "Cpu": w.CPU, "Mem": w.CPU * 4,
			"ClusterCount": 1, "DefaultCluster": true})
	}
	return envelope(map[string]any{"WarehouseList": list}), nil
}

func (a *api) createUser(ctx context.Context, c *gateway.Call) (any, error) {
	in, err := a.owned(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := a.svc.AddUser(ctx, in.ID, c.String("userName"), c.Bool("superUser", false)); err != nil {
		return nil, err
	}
	return envelope(map[string]any{"Data": true}), nil
}

func (a *api) databases(ctx context.Context, c *gateway.Call) (any, error) {
	in, err := a.owned(ctx, c)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	if c.Bool("external", false) {
		return envelope(map[string]any{"DatabaseList": list}), nil // localyun has no external databases
	}
	role, _ := hologres.RoleName(c.Caller)
	dbs, err := a.svc.ListDatabases(ctx, in.ID, role)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		list = append(list, map[string]any{"Name": d.Name, "PermissionModel": d.PermissionModel,
			"Privilege": strings.ToLower(d.Privilege), "External": false})
	}
	return envelope(map[string]any{"DatabaseList": list}), nil
}
