package dataworksapi

import (
	"context"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/gateway"
)

// The 2020-05-18 actions, with the models of the monolithic SDK's
// services/dataworks-public and of dataworks-public-20200518.

func (a *api) actions2020() []gateway.Action {
	v := Version2020
	projectID := gateway.Param{Name: "ProjectId", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62}
	dataSourceID := gateway.Param{Name: "DataSourceId", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62}
	envType := gateway.Param{Name: "EnvType", Kind: gateway.Int, Required: true, Min: 0, Max: 1}
	return []gateway.Action{
		a.act(v, "CreateProject", "Creates a workspace of the caller's account: ProjectMode 2 basic (Prod only), 3 standard (Dev and Prod); associated with the account's default serverless resource group.",
			[]gateway.Param{{Name: "ProjectName", Required: true, MaxLen: 128}, {Name: "ProjectIdentifier", Required: true, MaxLen: 64},
				{Name: "ProjectDescription", MaxLen: 1024}, {Name: "ProjectMode", Kind: gateway.Int, Min: 2, Max: 3},
				{Name: "DisableDevelopment", Kind: gateway.Bool}, {Name: "IsAllowDownload", Kind: gateway.Int, Min: 0, Max: 1},
				{Name: "ResourceManagerResourceGroupId", MaxLen: 64}, {Name: "Tags"}, {Name: "ClientToken", MaxLen: 64}, pRegion},
			a.allWorkspaces, a.createProject2020),
		a.act(v, "GetProject", "Returns a workspace of the caller's account by ProjectId or ProjectIdentifier.",
			[]gateway.Param{{Name: "ProjectId", Kind: gateway.Int, Min: 1, Max: 1 << 62}, {Name: "ProjectIdentifier", MaxLen: 64}, pRegion},
			a.projectByIDOrIdentifier, a.getProject2020),
		a.act(v, "ListProjects", "Lists the caller's workspaces in the region, paged (PageResult).",
			[]gateway.Param{pPageNumber, pPageSize, {Name: "ResourceManagerResourceGroupId", MaxLen: 64}, {Name: "Tags"}, pRegion},
			a.allWorkspaces, a.listProjects2020),
		a.act(v, "CreateDataSource", "Adds one environment (EnvType 0 Dev, 1 Prod) of an odps or holo data source; Content is the JSON text of its properties (2024 keys, or the legacy ones).",
			[]gateway.Param{projectID, {Name: "Name", Required: true, MaxLen: dataworks.MaxNameLen + 1}, {Name: "DataSourceType", Required: true, MaxLen: 64},
				{Name: "SubType", MaxLen: 64}, envType, {Name: "Content", Required: true, MaxLen: 65536}, pDescription},
			a.workspace("ProjectId"), a.createDataSource2020),
		a.act(v, "UpdateDataSource", "Replaces a data source's Content (sent with PUT by the SDK); secrets sent masked (`******`) keep their value; the environment and type cannot change.",
			[]gateway.Param{dataSourceID, envType, {Name: "Content", Required: true, MaxLen: 65536}, pDescription, {Name: "Status", MaxLen: 32}},
			a.dataSource("DataSourceId"), a.updateDataSource2020),
		a.act(v, "DeleteDataSource", "Deletes one environment of a data source.",
			[]gateway.Param{dataSourceID},
			a.dataSource("DataSourceId"), a.deleteDataSource2020),
		a.act(v, "ListDataSources", "Lists a workspace's data sources, one entry per environment, with Content as JSON text (secrets masked).",
			[]gateway.Param{projectID, {Name: "Name", MaxLen: 256}, {Name: "DataSourceType", MaxLen: 64}, {Name: "SubType", MaxLen: 64},
				{Name: "EnvType", Kind: gateway.Int, Min: 0, Max: 1}, {Name: "Status", MaxLen: 32}, pPageNumber, pPageSize},
			a.workspace("ProjectId"), a.listDataSources2020),
		a.act(v, "TestNetworkConnection", "Tests a data source (by name and EnvType \"0\"/\"1\") from a resource group (its S_res_group_ identifier); runs on the group's workers.",
			[]gateway.Param{projectID, {Name: "DatasourceName", Required: true, MaxLen: 256}, {Name: "EnvType", Required: true, MaxLen: 8},
				{Name: "ResourceGroup", Required: true, MaxLen: 128}},
			a.workspace("ProjectId"), a.testNetworkConnection),
		a.act(v, "ListResourceGroups", "Lists the caller's serverless resource groups in the region (for ResourceGroupType 0, 1, 4, 7 and 9).",
			[]gateway.Param{{Name: "ResourceGroupType", Kind: gateway.Int, Min: 0, Max: 99}, {Name: "Keyword", MaxLen: 128},
				{Name: "BizExtKey", MaxLen: 32}, {Name: "TypeNames", MaxLen: 256}, {Name: "ResourceManagerResourceGroupId", MaxLen: 64},
				{Name: "Tags"}, pRegion},
			a.allGroups, a.listResourceGroups2020),
	}
}

// projectByIDOrIdentifier is the ARN of the workspace GetProject names.
func (a *api) projectByIDOrIdentifier(c *gateway.Call) string {
	if c.Has("ProjectId") {
		return a.workspace("ProjectId")(c)
	}
	if w, err := a.svc.GetWorkspaceByName(context.Background(), c.Caller, c.String("RegionId"), c.String("ProjectIdentifier")); err == nil {
		return w.ARN()
	}
	return a.allWorkspaces(c)
}

func (a *api) createProject2020(ctx context.Context, c *gateway.Call) (any, error) {
	t, err := tags(c, "Tags")
	if err != nil {
		return nil, err
	}
	mode := dataworks.WorkspaceBasic
	if c.Int("ProjectMode", 2) == 3 {
		mode = dataworks.WorkspaceStandard
	}
	w, err := a.svc.CreateWorkspace(ctx, c.Caller, dataworks.WorkspaceInput{
		NameParam: "ProjectIdentifier", Name: c.String("ProjectIdentifier"), DisplayName: c.String("ProjectName"),
		Description: c.String("ProjectDescription"), Region: c.String("RegionId"), Mode: mode,
		DevRoleDisabled: c.Bool("DisableDevelopment", false), DownloadDisabled: c.Int("IsAllowDownload", 1) == 0,
		AliyunResourceGroupID: c.String("ResourceManagerResourceGroupId"), Tags: t,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		HTTPStatusCode int   `json:"HttpStatusCode"`
		Success        bool  `json:"Success"`
		Data           int64 `json:"Data"`
	}{200, true, w.ID}, nil
}

func projectMode(w dataworks.Workspace) int {
	if w.Mode == dataworks.WorkspaceStandard {
		return 3
	}
	return 2
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tenantID is an account UID as the int64 TenantId.
func tenantID(uid string) int64 {
	n, _ := strconv.ParseInt(uid, 10, 64)
	return n
}

type project2020 struct {
	Status                           int             `json:"Status"`
	MaxFlowNode                      int             `json:"MaxFlowNode"`
	ProjectID                        int64           `json:"ProjectId"`
	IsAllowDownload                  int             `json:"IsAllowDownload"`
	ProjectMode                      int             `json:"ProjectMode"`
	GmtModified                      string          `json:"GmtModified"`
	ProdStorageQuota                 string          `json:"ProdStorageQuota"`
	ProjectDescription               string          `json:"ProjectDescription"`
	DevelopmentType                  int             `json:"DevelopmentType"`
	TablePrivacyMode                 int             `json:"TablePrivacyMode"`
	DefaultDiResourceGroupIdentifier string          `json:"DefaultDiResourceGroupIdentifier"`
	SchedulerMaxRetryTimes           int             `json:"SchedulerMaxRetryTimes"`
	ProtectedMode                    int             `json:"ProtectedMode"`
	SchedulerRetryInterval           int             `json:"SchedulerRetryInterval"`
	Appkey                           string          `json:"Appkey"`
	DevStorageQuota                  string          `json:"DevStorageQuota"`
	ResidentArea                     string          `json:"ResidentArea"`
	IsDefault                        int             `json:"IsDefault"`
	Destination                      int             `json:"Destination"`
	ProjectName                      string          `json:"ProjectName"`
	ProjectIdentifier                string          `json:"ProjectIdentifier"`
	DisableDevelopment               bool            `json:"DisableDevelopment"`
	ProjectOwnerBaseID               string          `json:"ProjectOwnerBaseId"`
	BaseProject                      bool            `json:"BaseProject"`
	UseProxyOdpsAccount              bool            `json:"UseProxyOdpsAccount"`
	GmtCreate                        string          `json:"GmtCreate"`
	TenantID                         int64           `json:"TenantId"`
	ResourceManagerResourceGroupID   string          `json:"ResourceManagerResourceGroupId"`
	EnvTypes                         []string        `json:"EnvTypes"`
	Tags                             []dataworks.Tag `json:"Tags"`
}

func (a *api) getProject2020(ctx context.Context, c *gateway.Call) (any, error) {
	var w dataworks.Workspace
	var err error
	switch {
	case c.Has("ProjectId"):
		w, err = a.svc.GetWorkspace(ctx, c.Caller, c.Int("ProjectId", 0))
	case c.String("ProjectIdentifier") != "":
		w, err = a.svc.GetWorkspaceByName(ctx, c.Caller, c.String("RegionId"), c.String("ProjectIdentifier"))
	default:
		return nil, missingEither("ProjectId", "ProjectIdentifier")
	}
	if err != nil {
		return nil, err
	}
	var envs []string
	for _, e := range w.Envs() {
		envs = append(envs, strings.ToUpper(e))
	}
	defaultGroup := ""
	if groups, err := a.svc.ListResourceGroups(ctx, c.Caller, dataworks.GroupFilter{Workspace: w.ID}); err == nil {
		for _, g := range groups {
			if g.Default || defaultGroup == "" {
				defaultGroup = g.Identifier
			}
		}
	}
	return struct {
		HTTPStatusCode int         `json:"HttpStatusCode"`
		Success        bool        `json:"Success"`
		Data           project2020 `json:"Data"`
	}{200, true, project2020{
		ProjectID: w.ID, IsAllowDownload: boolInt(!w.DownloadDisabled), ProjectMode: projectMode(w), GmtModified: gmt(w.UpdatedAt),
		ProjectDescription: w.Description, DefaultDiResourceGroupIdentifier: defaultGroup, SchedulerMaxRetryTimes: 3,
		SchedulerRetryInterval: 2, ResidentArea: w.Region, ProjectName: w.DisplayName, ProjectIdentifier: w.Name,
		DisableDevelopment: w.DevRoleDisabled, ProjectOwnerBaseID: w.Owner, GmtCreate: gmt(w.CreatedAt), TenantID: tenantID(w.Owner),
		ResourceManagerResourceGroupID: w.AliyunResourceGroupID, EnvTypes: envs, Tags: tagList(w.Tags),
	}}, nil
}

type projectItem2020 struct {
	DisableDevelopment             bool            `json:"DisableDevelopment"`
	IsDefault                      int             `json:"IsDefault"`
	ProjectDescription             string          `json:"ProjectDescription"`
	ProjectID                      int64           `json:"ProjectId"`
	ProjectIdentifier              string          `json:"ProjectIdentifier"`
	ProjectName                    string          `json:"ProjectName"`
	ProjectOwnerBaseID             string          `json:"ProjectOwnerBaseId"`
	ProjectStatus                  int             `json:"ProjectStatus"`
	ProjectStatusCode              string          `json:"ProjectStatusCode"`
	ResourceManagerResourceGroupID string          `json:"ResourceManagerResourceGroupId"`
	TablePrivacyMode               int             `json:"TablePrivacyMode"`
	Tags                           []dataworks.Tag `json:"Tags"`
	UseProxyOdpsAccount            bool            `json:"UseProxyOdpsAccount"`
}

func (a *api) listProjects2020(ctx context.Context, c *gateway.Call) (any, error) {
	want, err := tags(c, "Tags")
	if err != nil {
		return nil, err
	}
	all, err := a.svc.ListWorkspaces(ctx, c.Caller, c.String("RegionId"))
	if err != nil {
		return nil, err
	}
	rg := c.String("ResourceManagerResourceGroupId")
	var sel []dataworks.Workspace
	for _, w := range all {
		if (rg == "" || w.AliyunResourceGroupID == rg) && hasTags(w.Tags, want) {
			sel = append(sel, w)
		}
	}
	offset, size := page(c, 10)
	lo, hi := window(len(sel), offset, size)
	list := make([]projectItem2020, 0, hi-lo)
	for _, w := range sel[lo:hi] {
		list = append(list, projectItem2020{DisableDevelopment: w.DevRoleDisabled, ProjectDescription: w.Description, ProjectID: w.ID,
			ProjectIdentifier: w.Name, ProjectName: w.DisplayName, ProjectOwnerBaseID: w.Owner, ProjectStatusCode: "AVAILABLE",
			ResourceManagerResourceGroupID: w.AliyunResourceGroupID, Tags: tagList(w.Tags)})
	}
	type pageResult struct {
		PageNumber  int               `json:"PageNumber"`
		PageSize    int               `json:"PageSize"`
		TotalCount  int               `json:"TotalCount"`
		ProjectList []projectItem2020 `json:"ProjectList"`
	}
	return struct {
		PageResult pageResult `json:"PageResult"`
	}{pageResult{int(c.Int("PageNumber", 1)), int(size), len(sel), list}}, nil
}

// env2020 is the environment of an EnvType (0 Dev, 1 Prod).
func env2020(n int64) string {
	if n == 0 {
		return dataworks.EnvDev
	}
	return dataworks.EnvProd
}

func envType2020(env string) int {
	if env == dataworks.EnvDev {
		return 0
	}
	return 1
}

// legacyType maps DataSourceType; anything but odps and holo is refused.
func legacyType(param, t string) (string, error) {
	typ, ok := dataworks.TypeFromLegacy(t)
	if !ok {
		return "", invalidf(param, "localyun serves odps and holo data sources, not %q", t).
			WithRecommend("use DataSourceType odps (MaxCompute) or holo (Hologres)")
	}
	return typ, nil
}

// writeResult is the answer of the 2020 data source writes, whose
// HttpStatusCode is a string.
type writeResult[T any] struct {
	HTTPStatusCode string `json:"HttpStatusCode"`
	Success        bool   `json:"Success"`
	Data           T      `json:"Data"`
}

func (a *api) createDataSource2020(ctx context.Context, c *gateway.Call) (any, error) {
	typ, err := legacyType("DataSourceType", c.String("DataSourceType"))
	if err != nil {
		return nil, err
	}
	d, err := a.svc.CreateDataSource(ctx, c.Caller, dataworks.DataSourceInput{
		Workspace: c.Int("ProjectId", 0), Name: c.String("Name"), Type: typ, Env: env2020(c.Int("EnvType", 1)),
		Properties: c.String("Content"), Param: "Content", Legacy: true, Description: c.String("Description"),
	})
	if err != nil {
		return nil, err
	}
	return writeResult[int64]{"200", true, d.ID}, nil
}

func (a *api) updateDataSource2020(ctx context.Context, c *gateway.Call) (any, error) {
	u := dataworks.DataSourceUpdate{ID: c.Int("DataSourceId", 0), Env: env2020(c.Int("EnvType", 1)),
		Properties: c.String("Content"), Param: "Content", Legacy: true}
	if c.Has("Description") {
		d := c.String("Description")
		u.Description = &d
	}
	if _, err := a.svc.UpdateDataSource(ctx, c.Caller, u); err != nil {
		return nil, err
	}
	return writeResult[bool]{"200", true, true}, nil
}

func (a *api) deleteDataSource2020(ctx context.Context, c *gateway.Call) (any, error) {
	if err := a.svc.DeleteDataSource(ctx, c.Caller, 0, c.Int("DataSourceId", 0)); err != nil {
		return nil, err
	}
	return writeResult[bool]{"200", true, true}, nil
}

type dataSource2020 struct {
	BindingCalcEngineID int64  `json:"BindingCalcEngineId"`
	ConnectStatus       int    `json:"ConnectStatus"`
	Content             string `json:"Content"`
	DataSourceType      string `json:"DataSourceType"`
	DefaultEngine       bool   `json:"DefaultEngine"`
	Description         string `json:"Description"`
	EnvType             int    `json:"EnvType"`
	GmtCreate           string `json:"GmtCreate"`
	GmtModified         string `json:"GmtModified"`
	ID                  int64  `json:"Id"`
	Name                string `json:"Name"`
	Operator            string `json:"Operator"`
	ProjectID           int64  `json:"ProjectId"`
	Sequence            int    `json:"Sequence"`
	Shared              bool   `json:"Shared"`
	Status              int    `json:"Status"`
	SubType             string `json:"SubType"`
	TenantID            int64  `json:"TenantId"`
}

func (a *api) listDataSources2020(ctx context.Context, c *gateway.Call) (any, error) {
	q := dataworks.Query{Workspace: c.Int("ProjectId", 0), NameContains: c.String("Name")}
	if t := c.String("DataSourceType"); t != "" {
		typ, ok := dataworks.TypeFromLegacy(t)
		if !ok {
			typ = "none:" + t // selects nothing: localyun has only odps and holo sources
		}
		q.Types = []string{typ}
	}
	if c.Has("EnvType") {
		q.Env = env2020(c.Int("EnvType", 1))
	}
	if st := c.String("Status"); strings.EqualFold(st, "DISABLED") {
		q.Types = []string{} // every localyun data source is enabled
	} else if st != "" && !strings.EqualFold(st, "ENABLED") {
		return nil, invalidf("Status", "%q is not ENABLED or DISABLED", st)
	}
	offset, size := page(c, 10)
	q.Offset, q.Size = int(offset), int(size)
	p, err := a.svc.ListDataSources(ctx, c.Caller, q)
	if err != nil {
		return nil, err
	}
	list := make([]dataSource2020, 0, len(p.Items))
	for i, d := range p.Items {
		list = append(list, dataSource2020{
			ConnectStatus: connectStatus(d.ConnectState), Content: d.Props.String(), DataSourceType: dataworks.LegacyType(d.Type), Description: d.Description,
			EnvType: envType2020(d.Env), GmtCreate: gmt(d.CreatedAt), GmtModified: gmt(d.UpdatedAt), ID: d.ID, Name: d.Name,
			Operator: d.ModifyUser, ProjectID: d.Workspace, Sequence: int(offset) + i + 1, Status: 1, TenantID: tenantID(d.Owner),
		})
	}
	type data struct {
		PageNumber  int              `json:"PageNumber"`
		PageSize    int              `json:"PageSize"`
		TotalCount  int              `json:"TotalCount"`
		DataSources []dataSource2020 `json:"DataSources"`
	}
	return struct {
		HTTPStatusCode int  `json:"HttpStatusCode"`
		Success        bool `json:"Success"`
		Data           data `json:"Data"`
	}{200, true, data{int(c.Int("PageNumber", 1)), int(size), p.Total, list}}, nil
}

func (a *api) testNetworkConnection(ctx context.Context, c *gateway.Call) (any, error) {
	var env string
	switch c.String("EnvType") {
	case "0":
		env = dataworks.EnvDev
	case "1":
		env = dataworks.EnvProd
	default:
		return nil, invalidf("EnvType", "%q is not \"0\" (Dev) or \"1\" (Prod)", c.String("EnvType"))
	}
	res, err := a.svc.TestConnectivityByName(ctx, c.Caller, c.Int("ProjectId", 0), c.String("DatasourceName"), env, c.String("ResourceGroup"))
	if err != nil {
		return nil, err
	}
	msg := res.Message
	if res.State == dataworks.Connectable {
		msg = "Connected"
	}
	type taskList struct {
		ConnectMessage string `json:"ConnectMessage"`
		ConnectStatus  bool   `json:"ConnectStatus"`
	}
	return struct {
		Success  bool     `json:"Success"`
		TaskList taskList `json:"TaskList"`
	}{true, taskList{msg, res.State == dataworks.Connectable}}, nil
}

type resourceGroup2020 struct {
	BizExtKey                      string          `json:"BizExtKey"`
	Cluster                        string          `json:"Cluster"`
	CreateTime                     string          `json:"CreateTime"`
	EnableKp                       bool            `json:"EnableKp"`
	ID                             int64           `json:"Id"`
	Identifier                     string          `json:"Identifier"`
	IsDefault                      bool            `json:"IsDefault"`
	Mode                           string          `json:"Mode"`
	Name                           string          `json:"Name"`
	ResourceGroupType              string          `json:"ResourceGroupType"`
	ResourceManagerResourceGroupID string          `json:"ResourceManagerResourceGroupId"`
	Sequence                       int             `json:"Sequence"`
	Specs                          map[string]any  `json:"Specs"`
	Status                         int             `json:"Status"`
	Tags                           []dataworks.Tag `json:"Tags"`
	TenantID                       int64           `json:"TenantId"`
	UpdateTime                     string          `json:"UpdateTime"`
}

func (a *api) listResourceGroups2020(ctx context.Context, c *gateway.Call) (any, error) {
	want, err := tags(c, "Tags")
	if err != nil {
		return nil, err
	}
	typ := c.Int("ResourceGroupType", 1)
	list := []resourceGroup2020{}
	switch typ {
	case 0, 1, 4, 7, 9: // serverless groups serve these; they are no MaxCompute (2) or PAI (3) groups
		groups, err := a.svc.ListResourceGroups(ctx, c.Caller, dataworks.GroupFilter{Region: a.region(c), NameContains: c.String("Keyword")})
		if err != nil {
			return nil, err
		}
		rg := c.String("ResourceManagerResourceGroupId")
		for i, g := range groups {
			if rg != "" && g.AliyunResourceGroupID != rg || !hasTags(g.Tags, want) {
				continue
			}
			status := 0
			if g.Status != dataworks.GroupNormal {
				status = 1
			}
			list = append(list, resourceGroup2020{
				BizExtKey: "default", CreateTime: gmt(g.CreatedAt), ID: g.Number, Identifier: g.Identifier, IsDefault: g.Default,
				Mode: "ISOLATE", Name: g.Name, ResourceGroupType: strconv.FormatInt(typ, 10),
				ResourceManagerResourceGroupID: g.AliyunResourceGroupID, Sequence: i + 1,
				Specs: map[string]any{"Standard": strconv.FormatInt(g.Spec, 10) + "CU"}, Status: status, Tags: tagList(g.Tags),
				TenantID: tenantID(g.Owner), UpdateTime: gmt(g.UpdatedAt),
			})
		}
	}
	return struct {
		HTTPStatusCode int                 `json:"HttpStatusCode"`
		Success        bool                `json:"Success"`
		Data           []resourceGroup2020 `json:"Data"`
	}{200, true, list}, nil
}

// connectStatus is the 2020-05-18 ConnectStatus of a data source: 1 when
// its last connectivity test found it Connectable, else 2 (failed, or
// never tested since it was created or updated).
func connectStatus(state dataworks.ConnectState) int {
	if state == dataworks.Connectable {
		return 1
	}
	return 2
}
