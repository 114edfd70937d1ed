package dataworks

import (
	"errors"
	"fmt"

	"github.com/localyun/localyun/internal/apierr"
)

// The errors DataWorks answers with. The not-exists codes and texts are the
// ones DataWorks documents (reference/dataworks.md §1.4); the others follow
// their pattern and are listed in docs/dataworks.md.
const (
	CodeProjectNotExists      = "Invalid.Tenant.ProjectNotExists"
	CodeProjectExists         = "Invalid.Tenant.ProjectAlreadyExists"
	CodeConnectionNotExists   = "Invalid.Tenant.ConnectionNotExists"
	CodeConnectionExists      = "Invalid.Tenant.ConnectionAlreadyExists"
	CodeComputeNotExists      = "Invalid.ComputeResource.NotExists"
	CodeComputeExists         = "Invalid.ComputeResource.AlreadyExists"
	CodeComputeDataSyncOnly   = "Invalid.ComputeResource.DataSyncOnly"
	CodeResourceGroupNotExist = "Invalid.ResourceGroup.NotExists"
	CodeResourceGroupAccount  = "Invalid.ResourceGroup.AccountMismatch"
	CodeResourceGroupRegion   = "Invalid.ResourceGroup.RegionMismatch"
	CodeAssociationExists     = "Invalid.ResourceGroup.AlreadyAssociated"
	CodeAssociationNotExists  = "Invalid.ResourceGroup.NotAssociated"
	CodeResourceGroupStopped  = "Invalid.ResourceGroup.Stopped"
)

func errProjectNotExists(id int64) *apierr.Error {
	return apierr.New(404, CodeProjectNotExists, "The project does not exist.").
		WithRecommend("workspace %d does not exist in your account; list your workspaces with ListProjects", id)
}

func errProjectNameNotExists(name, region string) *apierr.Error {
	return apierr.New(404, CodeProjectNotExists, "The project does not exist.").
		WithRecommend("your account has no workspace named %s in %s; list your workspaces with ListProjects", name, region)
}

func errConnectionNotExists(what string) *apierr.Error {
	return apierr.New(404, CodeConnectionNotExists, "The connection does not exist.").
		WithRecommend("data source %s does not exist in your workspaces; list them with ListDataSources", what)
}

func errComputeNotExists(what string) *apierr.Error {
	return apierr.New(404, CodeComputeNotExists, "The compute resource does not exist.").
		WithRecommend("compute resource %s does not exist in your workspaces; list them with ListComputeResources", what)
}

func errResourceGroupNotExists(id string) *apierr.Error {
	return apierr.New(404, CodeResourceGroupNotExist, "The resource group does not exist.").
		WithRecommend("resource group %s does not exist in your account; list your groups with ListResourceGroups", id)
}

// invalid is InvalidParameter.<param>: the parameter's value is wrong, and
// why says how.
func invalid(param, why string, args ...any) *apierr.Error {
	msg := fmt.Sprintf(why, args...)
	return apierr.Newf(400, "InvalidParameter."+param, "The parameter \"%s\" is invalid: %s", param, msg)
}

// ErrGroupStopped is wrapped by the error Group.Run returns when the group
// is not Normal.
var ErrGroupStopped = errors.New("resource group is stopped")

// GroupStoppedError says which group refused work.
type GroupStoppedError struct {
	ID     string
	Status string
}

func (e *GroupStoppedError) Error() string {
	return fmt.Sprintf("resource group %s is %s and takes no work: start it again (localyun dataworks group start --group %s) or use another group associated with the workspace", e.ID, e.Status, e.ID)
}

func (e *GroupStoppedError) Unwrap() error { return ErrGroupStopped }
