package dataworksapi

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/gateway"
)

// The 2024-05-18 resource group actions (reference/dataworks.md §4.2).

func (a *api) groupActions2024() []gateway.Action {
	v := Version2024
	groupID := gateway.Param{Name: "ResourceGroupId", Required: true, MaxLen: 128}
	projectID := gateway.Param{Name: "ProjectId", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62}
	return []gateway.Action{
		a.act(v, "ListResourceGroups", "Lists the caller's serverless resource groups in the region, or those associated with ProjectId; filters Name, ResourceGroupTypes, Statuses, PaymentType; SortBy \"<field> Asc\" or \"<field> Desc\".",
			[]gateway.Param{{Name: "ProjectId", Kind: gateway.Int, Min: 1, Max: 1 << 62}, {Name: "Name", MaxLen: 128},
				{Name: "ResourceGroupTypes", MaxLen: 1024}, {Name: "Statuses", MaxLen: 1024}, {Name: "PaymentType", MaxLen: 32},
				{Name: "SortBy", MaxLen: 64}, {Name: "AliyunResourceGroupId", MaxLen: 64}, {Name: "AliyunResourceTags"}, pPageNumber, pPageSize, pRegion},
			a.allGroups, a.listResourceGroups),
		a.act(v, "GetResourceGroup", "Returns a resource group of the caller's account.",
			[]gateway.Param{{Name: "Id", Required: true, MaxLen: 128}}, a.group("Id"), a.getResourceGroup),
		a.act(v, "CreateResourceGroup", "Creates a serverless resource group (a worker pool) of the caller's account; ClientToken makes it idempotent.",
			[]gateway.Param{{Name: "Name", Required: true, MaxLen: 128}, {Name: "PaymentType", Required: true, MaxLen: 32},
				{Name: "ClientToken", Required: true, MaxLen: 64}, {Name: "Remark", MaxLen: 256}, {Name: "Spec", Kind: gateway.Int, Min: 0, Max: 10000},
				{Name: "VpcId", MaxLen: 64}, {Name: "VswitchId", MaxLen: 64}, {Name: "AutoRenewEnabled", Kind: gateway.Bool},
				{Name: "PaymentDuration", Kind: gateway.Int, Min: 0, Max: 1000}, {Name: "PaymentDurationUnit", MaxLen: 16},
				{Name: "AliyunResourceGroupId", MaxLen: 64}, {Name: "AliyunResourceTags"}, pRegion},
			a.allGroups, a.createResourceGroup),
		a.act(v, "AssociateProjectToResourceGroup", "Associates a resource group with a workspace of the same account and region.",
			[]gateway.Param{projectID, groupID}, a.group("ResourceGroupId"), a.associate),
		a.act(v, "DissociateProjectFromResourceGroup", "Ends a resource group's association with a workspace.",
			[]gateway.Param{projectID, groupID}, a.group("ResourceGroupId"), a.dissociate),
		a.act(v, "ListResourceGroupAssociateProjects", "Lists the workspaces a resource group is associated with.",
			[]gateway.Param{groupID}, a.group("ResourceGroupId"), a.groupProjects),
	}
}

type spec24 struct {
	Amount   int32  `json:"Amount"`
	Standard string `json:"Standard"`
}

// groupView is a group in the 2024-05-18 models. The list model spells its
// vSwitch member DefaultVswicthId, GetResourceGroup DefaultVswitchId.
func groupView(g dataworks.ResourceGroup, vswitchKey string) map[string]any {
	return map[string]any{
		"AliyunResourceGroupId": g.AliyunResourceGroupID, "AliyunResourceTags": tagList(g.Tags), "CreateTime": millis(g.CreatedAt),
		"CreateUser": g.CreateUser, "DefaultVpcId": g.VpcID, vswitchKey: g.VswitchID, "Id": g.ID, "Name": g.Name,
		"OrderInstanceId": g.OrderInstanceID, "PaymentType": g.PaymentType, "Remark": g.Remark, "ResourceGroupType": g.Type,
		"Spec": spec24{Amount: 1, Standard: strconv.FormatInt(g.Spec, 10) + "CU"}, "Status": g.Status,
	}
}

func (a *api) listResourceGroups(ctx context.Context, c *gateway.Call) (any, error) {
	f := dataworks.GroupFilter{Workspace: c.Int("ProjectId", 0), NameContains: c.String("Name")}
	if f.Workspace == 0 {
		f.Region = a.region(c)
	}
	if err := jsonParam(c, "ResourceGroupTypes", &f.Types); err != nil {
		return nil, err
	}
	if err := jsonParam(c, "Statuses", &f.Statuses); err != nil {
		return nil, err
	}
	want, err := tags(c, "AliyunResourceTags")
	if err != nil {
		return nil, err
	}
	field, desc, err := groupSort(c.String("SortBy"))
	if err != nil {
		return nil, err
	}
	all, err := a.svc.ListResourceGroups(ctx, c.Caller, f)
	if err != nil {
		return nil, err
	}
	var sel []dataworks.ResourceGroup
	for _, g := range all {
		if pt := c.String("PaymentType"); pt != "" && !strings.EqualFold(pt, g.PaymentType) ||
			c.String("AliyunResourceGroupId") != "" && c.String("AliyunResourceGroupId") != g.AliyunResourceGroupID || !hasTags(g.Tags, want) {
			continue
		}
		sel = append(sel, g)
	}
	sort.SliceStable(sel, func(i, j int) bool {
		if desc {
			return groupLess(field, sel[j], sel[i])
		}
		return groupLess(field, sel[i], sel[j])
	})
	offset, size := page(c, 10)
	lo, hi := window(len(sel), offset, size)
	list := make([]map[string]any, 0, hi-lo)
	for _, g := range sel[lo:hi] {
		list = append(list, groupView(g, "DefaultVswicthId"))
	}
	type pagingInfo struct {
		PageNumber        int32            `json:"PageNumber"`
		PageSize          int32            `json:"PageSize"`
		ResourceGroupList []map[string]any `json:"ResourceGroupList"`
		TotalCount        int32            `json:"TotalCount"`
	}
	return struct {
		Success    bool       `json:"Success"`
		PagingInfo pagingInfo `json:"PagingInfo"`
	}{true, pagingInfo{int32(c.Int("PageNumber", 1)), int32(size), list, int32(len(sel))}}, nil
}

// groupSort reads SortBy: "<field> Asc|Desc", CreateTime Asc by default.
func groupSort(s string) (string, bool, error) {
	if s == "" {
		return "CreateTime", false, nil
	}
	parts := strings.Fields(s)
	field, dir := parts[0], "Asc"
	if len(parts) > 1 {
		dir = parts[1]
	}
	switch field {
	case "Id", "Name", "Remark", "Type", "Status", "Spec", "CreateUser", "CreateTime":
	default:
		return "", false, invalidf("SortBy", "%q is not a field resource groups sort by", field).
			WithRecommend("use Id, Name, Remark, Type, Status, Spec, CreateUser or CreateTime, then Asc or Desc, e.g. \"CreateTime Asc\"")
	}
	if len(parts) > 2 || !strings.EqualFold(dir, "Asc") && !strings.EqualFold(dir, "Desc") {
		return "", false, invalidf("SortBy", "%q is not \"<field> Asc\" or \"<field> Desc\"", s)
	}
	return field, strings.EqualFold(dir, "Desc"), nil
}

func groupLess(field string, a, b dataworks.ResourceGroup) bool {
	switch field {
	case "Id":
		return a.ID < b.ID
	case "Name":
		return a.Name < b.Name
	case "Remark":
		return a.Remark < b.Remark
	case "Type":
		return a.Type < b.Type
	case "Status":
		return a.Status < b.Status
	case "Spec":
		return a.Spec < b.Spec
	case "CreateUser":
		return a.CreateUser < b.CreateUser
	}
	return a.CreatedAt.Before(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.Number < b.Number
}

func (a *api) getResourceGroup(ctx context.Context, c *gateway.Call) (any, error) {
	g, err := a.svc.GetResourceGroup(ctx, c.Caller, c.String("Id"))
	if err != nil {
		return nil, err
	}
	return struct {
		Success       bool           `json:"Success"`
		ResourceGroup map[string]any `json:"ResourceGroup"`
	}{true, groupView(g, "DefaultVswitchId")}, nil
}

func (a *api) createResourceGroup(ctx context.Context, c *gateway.Call) (any, error) {
	t, err := tags(c, "AliyunResourceTags")
	if err != nil {
		return nil, err
	}
	g, err := a.svc.CreateResourceGroup(ctx, c.Caller, dataworks.GroupInput{
		Name: c.String("Name"), Remark: c.String("Remark"), Region: c.String("RegionId"), PaymentType: c.String("PaymentType"),
		Spec: c.Int("Spec", 0), VpcID: c.String("VpcId"), VswitchID: c.String("VswitchId"),
		AliyunResourceGroupID: c.String("AliyunResourceGroupId"), Tags: t, ClientToken: c.String("ClientToken"),
	})
	if err != nil {
		return nil, err
	}
	type order struct {
		ID              string `json:"Id"`
		OrderID         int64  `json:"OrderId"`
		OrderInstanceID string `json:"OrderInstanceId"`
	}
	return struct {
		Success            bool  `json:"Success"`
		ResourceGroupOrder order `json:"ResourceGroupOrder"`
	}{true, order{g.ID, g.Number, g.OrderInstanceID}}, nil
}

func (a *api) associate(ctx context.Context, c *gateway.Call) (any, error) {
	if err := a.svc.Associate(ctx, c.Caller, c.String("ResourceGroupId"), c.Int("ProjectId", 0)); err != nil {
		return nil, err
	}
	return success{true}, nil
}

func (a *api) dissociate(ctx context.Context, c *gateway.Call) (any, error) {
	if err := a.svc.Dissociate(ctx, c.Caller, c.String("ResourceGroupId"), c.Int("ProjectId", 0)); err != nil {
		return nil, err
	}
	return success{true}, nil
}

func (a *api) groupProjects(ctx context.Context, c *gateway.Call) (any, error) {
	ids, err := a.svc.GroupWorkspaces(ctx, c.Caller, c.String("ResourceGroupId"))
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []int64{}
	}
	return struct {
		Success       bool    `json:"Success"`
		ProjectIDList []int64 `json:"ProjectIdList"`
	}{true, ids}, nil
}
