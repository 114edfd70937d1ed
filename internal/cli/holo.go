package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/server"
)

const hologramVersion = "2022-06-01"

func newHoloCommand() *cobra.Command {
	var flags apiFlags
	cmd := &cobra.Command{Use: "holo", Short: "Hologres instances and their users (the Hologres OpenAPI)"}
	flags.register(cmd.PersistentFlags())
	cmd.AddCommand(newHoloCreateInstanceCommand(&flags), newHoloUserCommand(&flags))
	cmd.AddCommand(newHoloLifecycleCommands(&flags)...)
	return cmd
}

type holoInstance struct {
	InstanceID     string `json:"InstanceId"`
	InstanceName   string `json:"InstanceName"`
	InstanceStatus string `json:"InstanceStatus"`
	SuspendReason  string `json:"SuspendReason"`
	RegionID       string `json:"RegionId"`
	Endpoints      []struct {
		Type, Endpoint string
	} `json:"Endpoints"`
}

func getInstance(ctx context.Context, c *apiClient, id string) (holoInstance, error) {
	var out struct{ Instance holoInstance }
	err := c.roa(ctx, hologramVersion, "GetInstance", "GET", "/api/v1/instances/"+url.PathEscape(id), nil, &out)
	return out.Instance, err
}

func newHoloCreateInstanceCommand(flags *apiFlags) *cobra.Command {
	var name, region string
	var asJSON, wait bool
	cmd := &cobra.Command{
		Use:   "create-instance --name NAME [--region R] [--json]",
		Short: "Create a Hologres instance: a PostgreSQL cluster behind its own port",
		Long: `Create a Hologres instance and, unless --wait=false, wait until it runs.
It prints the instance id and its endpoint (host:port), where psql and pgx
connect with AccessKeys or STS credentials (docs/hologres.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			if region != "" && !server.ValidRegion(region) {
				return usageErrorf("--region %q: use one of %s", region, strings.Join(server.Regions, ", "))
			}
			body := map[string]any{"instanceName": name}
			if region != "" {
				body["regionId"] = region
			}
			var created struct {
				Data struct {
					InstanceID string `json:"InstanceId"`
				}
			}
			ctx := cmd.Context()
			if err := c.roa(ctx, hologramVersion, "CreateInstance", "POST", "/api/v1/instances/create", body, &created); err != nil {
				return err
			}
			in, err := waitInstance(cmd, c, created.Data.InstanceID, wait)
			if err != nil {
				return err
			}
			endpoint := ""
			if len(in.Endpoints) > 0 {
				endpoint = in.Endpoints[0].Endpoint
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"InstanceId": in.InstanceID, "InstanceName": in.InstanceName,
					"Region": in.RegionID, "Endpoint": endpoint})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Instance %s (%s) in %s is %s.\nConnect: psql \"host=%s port=%s dbname=postgres user=$ALIBABA_CLOUD_ACCESS_KEY_ID\"\n",
				in.InstanceID, in.InstanceName, in.RegionID, in.InstanceStatus, hostOf(endpoint), portOf(endpoint))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "instance name (required)")
	cmd.Flags().StringVar(&region, "region", "", "region (default: the server's)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"InstanceId","InstanceName","Region","Endpoint"}`)
	cmd.Flags().BoolVar(&wait, "wait", true, "wait until the instance runs")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

// waitInstance returns the instance once it is no longer Creating (at
// most 3 minutes), failing unless it then runs; without wait, at once.
func waitInstance(cmd *cobra.Command, c *apiClient, id string, wait bool) (holoInstance, error) {
	ctx := cmd.Context()
	in, err := getInstance(ctx, c, id)
	deadline := time.Now().Add(3 * time.Minute)
	for err == nil && wait && in.InstanceStatus == "Creating" && time.Now().Before(deadline) {
		if isTerminal(cmd.ErrOrStderr()) {
			fmt.Fprintf(cmd.ErrOrStderr(), "\rwaiting for %s to start...", in.InstanceID)
		}
		time.Sleep(500 * time.Millisecond)
		in, err = getInstance(ctx, c, id)
	}
	if isTerminal(cmd.ErrOrStderr()) && wait {
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	if err != nil {
		return in, err
	}
	if wait && in.InstanceStatus != "Running" {
		return in, &exitError{code: ExitFailed, msg: fmt.Sprintf("instance %s is %s: %s", in.InstanceID, in.InstanceStatus, in.SuspendReason)}
	}
	return in, nil
}

// newHoloLifecycleCommands are stop-instance and resume-instance
// (StopInstance, ResumeInstance).
func newHoloLifecycleCommands(flags *apiFlags) []*cobra.Command {
	var out []*cobra.Command
	for _, a := range []struct{ use, short, action, path string }{
		{"stop-instance ID", "Stop a running instance: its sessions end and it stays Stopped until resume-instance", "StopInstance", "stop"},
		{"resume-instance ID", "Start a stopped instance again and wait until it runs", "ResumeInstance", "resume"},
	} {
		var wait bool
		cmd := &cobra.Command{
			Use:   a.use,
			Short: a.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := flags.client()
				if err != nil {
					return err
				}
				id := args[0]
				if err := c.roa(cmd.Context(), hologramVersion, a.action, "POST", "/api/v1/instances/"+url.PathEscape(id)+"/"+a.path, nil, nil); err != nil {
					return err
				}
				in, err := waitInstance(cmd, c, id, wait && a.action == "ResumeInstance")
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Instance %s is %s.\n", in.InstanceID, in.InstanceStatus)
				return nil
			},
		}
		if a.action == "ResumeInstance" {
			cmd.Flags().BoolVar(&wait, "wait", true, "wait until the instance runs")
		}
		out = append(out, cmd)
	}
	return out
}

func hostOf(endpoint string) string {
	h, _, _ := strings.Cut(endpoint, ":")
	return h
}

func portOf(endpoint string) string {
	_, p, _ := strings.Cut(endpoint, ":")
	return p
}

func newHoloUserCommand(flags *apiFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Database users of an instance"}
	var instance, roleARN, ramUser string
	var superuser bool
	add := &cobra.Command{
		Use:   "add --instance ID (--role-arn ARN | --ram-user NAME) [--superuser]",
		Short: "Add a RAM role or RAM user as a database user (CREATE USER \"v4_<RoleId>\" / \"p4_<UserId>\")",
		Long: `Add an identity to an instance as a database user, as HoloWeb's User
Management does: a role of the caller's account (--role-arn, its sessions log
in as "v4_<RoleId>") or a RAM user of the caller's account (--ram-user, it logs
in as "p4_<UserId>"). A role of another account is added by its RoleId, which
that account can tell you: connect as a superuser and run CREATE USER "v4_<RoleId>";`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (roleARN == "") == (ramUser == "") {
				return usageErrorf("give exactly one of --role-arn and --ram-user")
			}
			c, err := flags.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var user string
			if roleARN != "" {
				rest, ok := strings.CutPrefix(roleARN, "acs:ram::")
				account, name, ok2 := strings.Cut(rest, ":role/")
				if !ok || !ok2 || account == "" || name == "" {
					return usageErrorf("--role-arn %q: use acs:ram::<uid>:role/<name>", roleARN)
				}
				var out struct {
					Role struct {
						RoleID string `json:"RoleId"`
						Arn    string `json:"Arn"`
					} `json:"Role"`
				}
				if err := c.rpc(ctx, "2015-05-01", "GetRole", url.Values{"RoleName": {name}}, &out); err != nil {
					return err
				}
				if !strings.EqualFold(out.Role.Arn, roleARN) {
					return &exitError{code: ExitFailed, msg: fmt.Sprintf("%s is a role of another account: ask account %s for its RoleId and, as a superuser of the instance, run CREATE USER \"v4_<RoleId>\";", roleARN, account)}
				}
				user = "v4_" + out.Role.RoleID
			} else {
				var out struct {
					User struct {
						UserID string `json:"UserId"`
					} `json:"User"`
				}
				if err := c.rpc(ctx, "2015-05-01", "GetUser", url.Values{"UserName": {ramUser}}, &out); err != nil {
					return err
				}
				user = "p4_" + out.User.UserID
			}
			body := map[string]any{"userName": user, "superUser": superuser}
			if err := c.roa(ctx, hologramVersion, "CreateUser", "POST", "/api/v1/instances/"+url.PathEscape(instance)+"/createUser", body, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "User %q added to instance %s.\n", user, instance)
			return nil
		},
	}
	add.Flags().StringVar(&instance, "instance", "", "instance id (required)")
	add.Flags().StringVar(&roleARN, "role-arn", "", "the role to add, acs:ram::<uid>:role/<name>")
	add.Flags().StringVar(&ramUser, "ram-user", "", "the RAM user to add")
	add.Flags().BoolVar(&superuser, "superuser", false, "make it a superuser of the instance")
	_ = add.MarkFlagRequired("instance")
	cmd.AddCommand(add)
	return cmd
}
