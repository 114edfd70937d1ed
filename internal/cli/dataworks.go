package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/server"
)

// dataWorksVersion is the DataWorks OpenAPI version the CLI speaks.
const dataWorksVersion = "2024-05-18"

func newDataWorksCommand() *cobra.Command {
	var flags apiFlags
	cmd := &cobra.Command{Use: "dataworks", Short: "DataWorks workspaces and compute resources (the DataWorks OpenAPI, 2024-05-18)"}
	flags.register(cmd.PersistentFlags())
	cmd.AddCommand(newDataWorksCreateWorkspaceCommand(&flags), newDataWorksBindComputeCommand(&flags), newDataWorksPreviewCommand(&flags))
	return cmd
}

func newDataWorksCreateWorkspaceCommand(flags *apiFlags) *cobra.Command {
	var name, mode, region, displayName, description string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create-workspace --name NAME [--mode basic|standard] [--region R] [--json]",
		Short: "Create a DataWorks workspace of the caller's account (CreateProject)",
		Long: `Create a DataWorks workspace owned by the caller's account, in basic mode
(one environment, Prod) or standard mode (Dev and Prod). The account's
default serverless resource group in the region is associated with it.

--json prints {"WorkspaceId":"<id>"}: the id is a JSON string, as account
UIDs are, so that no JSON reader rounds it; the APIs take it as the number
ProjectId.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if mode != "basic" && mode != "standard" {
				return usageErrorf("--mode %q: use basic or standard", mode)
			}
			if region != "" && !server.ValidRegion(region) {
				return usageErrorf("--region %q: use one of %s", region, strings.Join(server.Regions, ", "))
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			if displayName == "" {
				displayName = name
			}
			params := url.Values{"Name": {name}, "DisplayName": {displayName}, "DevEnvironmentEnabled": {strconv.FormatBool(mode == "standard")}}
			if description != "" {
				params.Set("Description", description)
			}
			if region != "" {
				params.Set("RegionId", region)
			}
			var created struct {
				ID int64 `json:"Id"`
			}
			ctx := cmd.Context()
			if err := c.rpc(ctx, dataWorksVersion, "CreateProject", params, &created); err != nil {
				return err
			}
			id := strconv.FormatInt(created.ID, 10)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"WorkspaceId": id})
			}
			var groups struct {
				PagingInfo struct {
					ResourceGroupList []struct {
						ID string `json:"Id"`
					} `json:"ResourceGroupList"`
				} `json:"PagingInfo"`
			}
			envs := "Prod"
			if mode == "standard" {
				envs = "Dev and Prod"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %s (%s) created in %s mode (%s).\n", id, name, mode, envs)
			if err := c.rpc(ctx, dataWorksVersion, "ListResourceGroups", url.Values{"ProjectId": {id}}, &groups); err == nil {
				for _, g := range groups.PagingInfo.ResourceGroupList {
					fmt.Fprintf(cmd.OutOrStdout(), "Resource group %s is associated with it.\n", g.ID)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "workspace name: 3 to 28 letters, digits and underscores, starting with a letter (required)")
	cmd.Flags().StringVar(&mode, "mode", "basic", "basic (Prod only) or standard (Dev and Prod)")
	cmd.Flags().StringVar(&region, "region", "", "region (default: the server's)")
	cmd.Flags().StringVar(&displayName, "display-name", "", "display name (default: the name)")
	cmd.Flags().StringVar(&description, "description", "", "description")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"WorkspaceId":"<id>"}`)
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newDataWorksBindComputeCommand(flags *apiFlags) *cobra.Command {
	var workspace int64
	var dataSource, env, name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bind-compute --workspace ID --datasource NAME [--env Dev|Prod] [--name NAME] [--json]",
		Short: "Bind a data source's MaxCompute project or Hologres database as a computing resource of its workspace",
		Long: `Bind the project or database a data source points at as a computing resource
of its workspace (CreateComputeResource, with the data source's properties),
for each of its environments (or --env only).

A workspace binds only its own account's projects and instances, in its own
region, reached with an identity of that account: a cross-account,
cross-region or AccessKey data source is refused, because such sources serve
data synchronization only (docs/dataworks.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env != "" && !strings.EqualFold(env, "Dev") && !strings.EqualFold(env, "Prod") {
				return usageErrorf("--env %q: use Dev or Prod", env)
			}
			if name == "" {
				name = dataSource
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ws := strconv.FormatInt(workspace, 10)
			var listed struct {
				PagingInfo struct {
					DataSources []struct {
						Name       string `json:"Name"`
						Type       string `json:"Type"`
						DataSource []struct {
							ID                       int64           `json:"Id"`
							ConnectionProperties     json.RawMessage `json:"ConnectionProperties"`
							ConnectionPropertiesMode string          `json:"ConnectionPropertiesMode"`
							Description              string          `json:"Description"`
						} `json:"DataSource"`
					} `json:"DataSources"`
				} `json:"PagingInfo"`
			}
			if err := c.rpc(ctx, dataWorksVersion, "ListDataSources", url.Values{"ProjectId": {ws}, "Name": {dataSource}, "PageSize": {"100"}}, &listed); err != nil {
				return err
			}
			type bound struct {
				Env               string `json:"Env"`
				DataSourceID      int64  `json:"DataSourceId"`
				ComputeResourceID int64  `json:"ComputeResourceId"`
			}
			var done []bound
			for _, g := range listed.PagingInfo.DataSources {
				if !strings.EqualFold(g.Name, dataSource) {
					continue
				}
				for _, d := range g.DataSource {
					var props struct {
						EnvType string `json:"envType"`
					}
					_ = json.Unmarshal(d.ConnectionProperties, &props)
					if env != "" && !strings.EqualFold(env, props.EnvType) {
						continue
					}
					var created struct {
						ID int64 `json:"Id"`
					}
					params := url.Values{"ProjectId": {ws}, "Name": {name}, "Type": {g.Type}, "ConnectionPropertiesMode": {d.ConnectionPropertiesMode},
						"ConnectionProperties": {string(d.ConnectionProperties)}}
					if d.Description != "" {
						params.Set("Description", d.Description)
					}
					if err := c.rpc(ctx, dataWorksVersion, "CreateComputeResource", params, &created); err != nil {
						return err
					}
					done = append(done, bound{props.EnvType, d.ID, created.ID})
				}
			}
			if len(done) == 0 {
				what := "data source named " + dataSource
				if env != "" {
					what = env + " " + what
				}
				return &exitError{code: ExitFailed, msg: fmt.Sprintf("workspace %d has no %s (list them with ListDataSources)", workspace, what)}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"WorkspaceId": ws, "Bound": done})
			}
			for _, b := range done {
				fmt.Fprintf(cmd.OutOrStdout(), "Data source %s (%s) is bound to workspace %d as compute resource %s (id %d).\n",
					dataSource, b.Env, workspace, name, b.ComputeResourceID)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&workspace, "workspace", 0, "workspace id (required)")
	cmd.Flags().StringVar(&dataSource, "datasource", "", "data source name (required)")
	cmd.Flags().StringVar(&env, "env", "", "bind only this environment: Dev or Prod (default: every one the data source has)")
	cmd.Flags().StringVar(&name, "name", "", "compute resource name (default: the data source's)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"WorkspaceId","Bound":[{"Env","DataSourceId","ComputeResourceId"}]}`)
	_ = cmd.MarkFlagRequired("workspace")
	_ = cmd.MarkFlagRequired("datasource")
	return cmd
}

func newDataWorksPreviewCommand(flags *apiFlags) *cobra.Command {
	var workspace int64
	var dataSource, table, env, group string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "preview --workspace ID --datasource NAME --table T [--limit N] [--env Prod|Dev] [--resource-group ID] [--json]",
		Short: "Print the first rows of a table read through a data source (PreviewDataSourceTable)",
		Long: `Read the first rows of a table through a data source, as DataWorks does: on a
resource group of the workspace (default: the account's default group), with
the data source's identity (for a cross-account source, the other account's
role assumed by DataWorks). A MaxCompute table is named as in the project; a
Hologres table as table or schema.table.

A refusal keeps the engine's code (ODPS-0420095, ODPS-0130013, 42501,
NoPermission...) and says which grant or statement is missing (exit 1).
Without --json the rows are printed as a table, NULL as NULL; --json prints
{"DataSourceName","TableName","Columns":[{"Name","Type"}],"Rows":[[...]]},
every value a JSON string and NULL null. PreviewDataSourceTable is a localyun
extension of the 2024-05-18 API.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !strings.EqualFold(env, "Dev") && !strings.EqualFold(env, "Prod") {
				return usageErrorf("--env %q: use Prod or Dev", env)
			}
			if limit < 1 || limit > 100 {
				return usageErrorf("--limit %d: use 1 to 100", limit)
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			params := url.Values{"ProjectId": {strconv.FormatInt(workspace, 10)}, "DataSourceName": {dataSource}, "TableName": {table},
				"EnvType": {env}, "Limit": {strconv.Itoa(limit)}}
			if group != "" {
				params.Set("ResourceGroupId", group)
			}
			var out struct {
				Data struct {
					DataSourceName string `json:"DataSourceName"`
					TableName      string `json:"TableName"`
					Columns        []struct {
						Name string `json:"Name"`
						Type string `json:"Type"`
					} `json:"Columns"`
					Rows [][]*string `json:"Rows"`
				} `json:"Data"`
			}
			if err := c.rpc(cmd.Context(), dataWorksVersion, "PreviewDataSourceTable", params, &out); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), out.Data)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			head := make([]string, len(out.Data.Columns))
			for i, col := range out.Data.Columns {
				head[i] = col.Name
			}
			fmt.Fprintln(tw, strings.Join(head, "\t"))
			for _, row := range out.Data.Rows {
				cells := make([]string, len(row))
				for i, v := range row {
					cells[i] = "NULL"
					if v != nil {
						cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(*v)
					}
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "(%d rows of %s through %s)\n", len(out.Data.Rows), out.Data.TableName, out.Data.DataSourceName)
			return nil
		},
	}
	cmd.Flags().Int64Var(&workspace, "workspace", 0, "workspace id (required)")
	cmd.Flags().StringVar(&dataSource, "datasource", "", "data source name (required)")
	cmd.Flags().StringVar(&table, "table", "", "table name; schema.table for Hologres (required)")
	cmd.Flags().IntVar(&limit, "limit", 10, "rows to read, 1 to 100")
	cmd.Flags().StringVar(&env, "env", "Prod", "the data source's environment: Prod or Dev")
	cmd.Flags().StringVar(&group, "resource-group", "", "resource group id (default: the account's default group)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"DataSourceName","TableName","Columns","Rows"}`)
	_ = cmd.MarkFlagRequired("workspace")
	_ = cmd.MarkFlagRequired("datasource")
	_ = cmd.MarkFlagRequired("table")
	return cmd
}
