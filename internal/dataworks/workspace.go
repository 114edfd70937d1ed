package dataworks

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Workspace modes: basic has one environment (Prod), standard has Dev and
// Prod.
const (
	WorkspaceBasic    = "basic"
	WorkspaceStandard = "standard"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Workspace is a DataWorks workspace (a "project" in both APIs).
type Workspace struct {
	ID          int64
	Name        string // the identifier: unique within the owner's account and region
	DisplayName string
	Description string
	Owner       string // account UID
	Region      string
	Mode        string // WorkspaceBasic or WorkspaceStandard
	// DevRoleDisabled, PaiTaskEnabled and DownloadDisabled are recorded
	// and reported; localyun has no DataStudio for them to change.
	DevRoleDisabled       bool
	PaiTaskEnabled        bool
	DownloadDisabled      bool
	AliyunResourceGroupID string
	Tags                  []Tag
	CreateUser            string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Envs are the workspace's environments: Prod, and Dev in standard mode.
func (w Workspace) Envs() []string {
	if w.Mode == WorkspaceStandard {
		return []string{EnvDev, EnvProd}
	}
	return []string{EnvProd}
}

// ARN is the workspace's resource name for RAM:
// acs:dataworks:<region>:<owner>:workspace/<id>.
func (w Workspace) ARN() string { return WorkspaceARN(w.Region, w.Owner, strconv.FormatInt(w.ID, 10)) }

// WorkspaceARN names a workspace ("*" for every workspace) for RAM.
func WorkspaceARN(region, owner, id string) string {
	return "acs:dataworks:" + region + ":" + owner + ":workspace/" + id
}

// workspaceSettings is the stored Settings document.
type workspaceSettings struct {
	DevRoleDisabled       bool   `json:"devRoleDisabled,omitempty"`
	PaiTaskEnabled        bool   `json:"paiTaskEnabled,omitempty"`
	DownloadDisabled      bool   `json:"downloadDisabled,omitempty"`
	AliyunResourceGroupID string `json:"aliyunResourceGroupId,omitempty"`
	Tags                  []Tag  `json:"tags,omitempty"`
	CreateUser            string `json:"createUser,omitempty"`
}

func workspaceFrom(w store.Workspace) Workspace {
	var st workspaceSettings
	_ = json.Unmarshal(w.Settings, &st) // written by this package; a damaged document reads as defaults
	return Workspace{ID: w.ID, Name: w.Name, DisplayName: w.DisplayName, Description: w.Description, Owner: w.Owner,
		Region: w.Region, Mode: w.Mode, DevRoleDisabled: st.DevRoleDisabled, PaiTaskEnabled: st.PaiTaskEnabled,
		DownloadDisabled: st.DownloadDisabled, AliyunResourceGroupID: st.AliyunResourceGroupID, Tags: st.Tags,
		CreateUser: st.CreateUser, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// WorkspaceInput describes a new workspace.
type WorkspaceInput struct {
	// NameParam is the API's name of the Name parameter, for errors
	// ("Name" by default; the 2020-05-18 API calls it ProjectIdentifier).
	NameParam             string
	Name                  string
	DisplayName           string // default Name
	Description           string
	Region                string // default: the service's default region
	Mode                  string // WorkspaceBasic (default) or WorkspaceStandard
	DevRoleDisabled       bool
	PaiTaskEnabled        bool
	DownloadDisabled      bool
	AliyunResourceGroupID string
	Tags                  []Tag
}

// workspaceNamePattern is the 2024-05-18 rule for workspace names, which
// localyun applies to both versions: 3 to 28 letters, digits and
// underscores, starting with a letter.
var workspaceNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,27}$`)

// MaxTags bounds the tags of a workspace.
const MaxTags = 20

// CreateWorkspace creates a workspace owned by the caller's account. The
// account's default serverless resource group in the workspace's region
// is created with its first workspace there, and associated with every
// new workspace of the account in that region.
func (s *Service) CreateWorkspace(ctx context.Context, caller *iam.Identity, in WorkspaceInput) (Workspace, error) {
	param := in.NameParam
	if param == "" {
		param = "Name"
	}
	if !workspaceNamePattern.MatchString(in.Name) {
		return Workspace{}, invalid(param, "%q is not a workspace name", in.Name).
			WithRecommend("a workspace name has 3 to 28 letters, digits and underscores (_), and starts with a letter")
	}
	region, err := s.Region("RegionId", in.Region)
	if err != nil {
		return Workspace{}, err
	}
	switch in.Mode {
	case "":
		in.Mode = WorkspaceBasic
	case WorkspaceBasic, WorkspaceStandard:
	default:
		return Workspace{}, invalid("ProjectMode", "%q is not a workspace mode", in.Mode).WithRecommend("use basic or standard")
	}
	if len(in.Tags) > MaxTags {
		return Workspace{}, invalid("Tags", "%d tags, more than %d", len(in.Tags), MaxTags)
	}
	for _, t := range in.Tags {
		if t.Key == "" {
			return Workspace{}, invalid("Tags", "a tag has no Key").WithRecommend(`write tags as [{"Key":"env","Value":"test"}]`)
		}
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Name
	}
	now := s.o.Now().UTC()
	settings, _ := json.Marshal(workspaceSettings{DevRoleDisabled: in.DevRoleDisabled, PaiTaskEnabled: in.PaiTaskEnabled,
		DownloadDisabled: in.DownloadDisabled, AliyunResourceGroupID: in.AliyunResourceGroupID, Tags: in.Tags, CreateUser: actor(caller)})
	rec := store.Workspace{Name: in.Name, DisplayName: in.DisplayName, Description: in.Description, Owner: caller.Account,
		Region: region, Mode: in.Mode, Settings: settings, CreatedAt: now, UpdatedAt: now}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetWorkspaceByName(caller.Account, region, in.Name); err == nil {
			return apierr.New(409, CodeProjectExists, "The project already exists.").
				WithRecommend("your account already has a workspace named %s in %s; choose another name", in.Name, region)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		if rec.ID, err = nextID(tx, metaWorkspaceID, firstWorkspaceID); err != nil {
			return err
		}
		if err := tx.CreateWorkspace(rec); err != nil {
			return err
		}
		group, err := s.defaultGroup(tx, caller, region, now)
		if err != nil {
			return err
		}
		return tx.Associate(store.ResourceGroupAssociation{Group: group.ID, Workspace: rec.ID, CreatedAt: now})
	})
	if err != nil {
		return Workspace{}, err
	}
	return workspaceFrom(rec), nil
}

// ownWorkspace reads a workspace of the caller's account.
func ownWorkspace(r store.Reader, caller *iam.Identity, id int64) (store.Workspace, error) {
	w, err := r.GetWorkspace(id)
	if errors.Is(err, store.ErrNotFound) || err == nil && w.Owner != caller.Account {
		return store.Workspace{}, errProjectNotExists(id)
	}
	return w, err
}

// GetWorkspace returns a workspace of the caller's account, in any region.
func (s *Service) GetWorkspace(ctx context.Context, caller *iam.Identity, id int64) (Workspace, error) {
	var w store.Workspace
	err := s.view(ctx, func(r store.Reader) (err error) {
		w, err = ownWorkspace(r, caller, id)
		return err
	})
	return workspaceFrom(w), err
}

// GetWorkspaceByName returns the caller's workspace of that name in a
// region ("" for the default region).
func (s *Service) GetWorkspaceByName(ctx context.Context, caller *iam.Identity, region, name string) (Workspace, error) {
	region, err := s.Region("RegionId", region)
	if err != nil {
		return Workspace{}, err
	}
	var w store.Workspace
	err = s.view(ctx, func(r store.Reader) (err error) {
		w, err = r.GetWorkspaceByName(caller.Account, region, name)
		if errors.Is(err, store.ErrNotFound) {
			return errProjectNameNotExists(name, region)
		}
		return err
	})
	return workspaceFrom(w), err
}

// ListWorkspaces lists the caller's workspaces in a region ("" for the
// default region), by id.
func (s *Service) ListWorkspaces(ctx context.Context, caller *iam.Identity, region string) ([]Workspace, error) {
	region, err := s.Region("RegionId", region)
	if err != nil {
		return nil, err
	}
	var list []store.Workspace
	err = s.view(ctx, func(r store.Reader) (err error) {
		list, err = r.ListWorkspaces(caller.Account, region)
		return err
	})
	out := make([]Workspace, 0, len(list))
	for _, w := range list {
		out = append(out, workspaceFrom(w))
	}
	return out, err
}

// LookupWorkspace finds a workspace of any account, for building the ARN a
// call is authorized on. It answers only whether the workspace exists.
func (s *Service) LookupWorkspace(ctx context.Context, id int64) (Workspace, bool) {
	var w store.Workspace
	err := s.o.Store.View(ctx, func(r store.Reader) (err error) {
		w, err = r.GetWorkspace(id)
		return err
	})
	return workspaceFrom(w), err == nil
}
