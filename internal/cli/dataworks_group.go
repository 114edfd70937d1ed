package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/server"
)

// newDataWorksGroupCommand stops and starts resource groups through the
// admin socket: no DataWorks API does (the real service stops a group when
// it expires), and a stopped group is one of the failures a connectivity
// test reports.
func newDataWorksGroupCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "group", Short: "Stop or start a resource group (admin socket)"}
	for _, c := range []struct{ use, short, status string }{
		{"stop", "Stop a resource group: it refuses new tests and tasks; running ones finish", dataworks.GroupStop},
		{"start", "Start a stopped resource group again", dataworks.GroupNormal},
	} {
		var dataDir, group string
		sub := &cobra.Command{
			Use:   c.use + " --group ID",
			Short: c.short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				var resp struct{ Id, Status string }
				if err := adminCall(cmd.Context(), dataDir, "dataworks.group.status", server.GroupStatusRequest{Group: group, Status: c.status}, &resp); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Resource group %s is %s.\n", resp.Id, resp.Status)
				return nil
			},
		}
		sub.Flags().StringVar(&group, "group", "", "resource group id (Serverless_res_group_...) or 2020-05-18 identifier (required)")
		sub.Flags().StringVar(&dataDir, "data-dir", defaultDataDir(), "data directory of the running server")
		_ = sub.MarkFlagRequired("group")
		cmd.AddCommand(sub)
	}
	return cmd
}
