package dataworks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Resource group statuses localyun uses (of the 2024-05-18 set).
const (
	GroupNormal = "Normal"
	GroupStop   = "Stop"
)

// GroupTypeServerless is the 2024-05-18 type of serverless groups, the
// only kind localyun has.
const GroupTypeServerless = "CommonV2"

// DefaultGroupName names the default group of an account in a region.
const DefaultGroupName = "default_serverless_group"

// ResourceGroup is a serverless resource group: the workers that run
// connectivity tests (and, later, sync tasks) for the workspaces it is
// associated with.
type ResourceGroup struct {
	ID         string // Serverless_res_group_<uid>_<n>
	Identifier string // the 2020-05-18 identifier, S_res_group_<uid>_<n>
	Number     int64  // the 2020-05-18 numeric id
	Owner      string
	Region     string
	Name       string
	Remark     string
	Type       string // GroupTypeServerless
	Status     string // GroupNormal or GroupStop
	Default    bool
	// Recorded from CreateResourceGroup and reported; localyun's groups
	// are local worker pools, with no VPC or billing.
	PaymentType           string
	Spec                  int64 // CU
	VpcID, VswitchID      string
	AliyunResourceGroupID string
	Tags                  []Tag
	OrderInstanceID       string
	CreateUser            string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// ARN is the group's resource name for RAM:
// acs:dataworks:<region>:<owner>:resourcegroup/<id>.
func (g ResourceGroup) ARN() string { return ResourceGroupARN(g.Region, g.Owner, g.ID) }

// ResourceGroupARN names a resource group ("*" for every group) for RAM.
func ResourceGroupARN(region, owner, id string) string {
	return "acs:dataworks:" + region + ":" + owner + ":resourcegroup/" + id
}

type groupSettings struct {
	PaymentType           string `json:"paymentType,omitempty"`
	Spec                  int64  `json:"spec,omitempty"`
	VpcID                 string `json:"vpcId,omitempty"`
	VswitchID             string `json:"vswitchId,omitempty"`
	AliyunResourceGroupID string `json:"aliyunResourceGroupId,omitempty"`
	Tags                  []Tag  `json:"tags,omitempty"`
	ClientToken           string `json:"clientToken,omitempty"`
	OrderInstanceID       string `json:"orderInstanceId,omitempty"`
}

func settingsOf(g store.ResourceGroup) groupSettings {
	var st groupSettings
	_ = json.Unmarshal(g.Settings, &st) // written by this package; damaged reads as defaults
	return st
}

func groupFrom(g store.ResourceGroup) ResourceGroup {
	st := settingsOf(g)
	return ResourceGroup{ID: g.ID, Identifier: identifierOf(g.ID), Number: g.Number, Owner: g.Owner, Region: g.Region,
		Name: g.Name, Remark: g.Remark, Type: g.Type, Status: g.Status, Default: g.Default, PaymentType: st.PaymentType,
		Spec: st.Spec, VpcID: st.VpcID, VswitchID: st.VswitchID, AliyunResourceGroupID: st.AliyunResourceGroupID,
		Tags: st.Tags, OrderInstanceID: st.OrderInstanceID, CreateUser: g.CreateUser, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

const (
	groupPrefix      = "Serverless_res_group_"
	identifierPrefix = "S_res_group_"
)

// identifierOf is a group's 2020-05-18 identifier.
func identifierOf(id string) string {
	if rest, ok := strings.CutPrefix(id, groupPrefix); ok {
		return identifierPrefix + rest
	}
	return id
}

// groupIDOf accepts a group id or a 2020-05-18 identifier.
func groupIDOf(idOrIdentifier string) string {
	if rest, ok := strings.CutPrefix(idOrIdentifier, identifierPrefix); ok {
		return groupPrefix + rest
	}
	return idOrIdentifier
}

// defaultGroup returns the account's default group in a region, creating
// it the first time.
func (s *Service) defaultGroup(tx store.Tx, caller *iam.Identity, region string, now time.Time) (store.ResourceGroup, error) {
	groups, err := tx.ListResourceGroups(caller.Account)
	if err != nil {
		return store.ResourceGroup{}, err
	}
	for _, g := range groups {
		if g.Default && g.Region == region {
			return g, nil
		}
	}
	return s.newGroup(tx, caller, region, DefaultGroupName, "The default serverless resource group of the account in "+region+".",
		true, groupSettings{PaymentType: "PostPaid", Spec: 2}, now)
}

func (s *Service) newGroup(tx store.Tx, caller *iam.Identity, region, name, remark string, isDefault bool, st groupSettings, now time.Time) (store.ResourceGroup, error) {
	n, err := nextID(tx, metaGroupPrefix+caller.Account, 1)
	if err != nil {
		return store.ResourceGroup{}, err
	}
	number, err := nextID(tx, metaGroupNumber, firstGroupNumber)
	if err != nil {
		return store.ResourceGroup{}, err
	}
	id := groupPrefix + caller.Account + "_" + strconv.FormatInt(n, 10)
	st.OrderInstanceID = fmt.Sprintf("localyun-order-%d", number)
	settings, _ := json.Marshal(st)
	g := store.ResourceGroup{ID: id, Number: number, Owner: caller.Account, Region: region, Name: name, Remark: remark,
		Type: GroupTypeServerless, Status: GroupNormal, Default: isDefault, Settings: settings, CreateUser: actor(caller),
		CreatedAt: now, UpdatedAt: now}
	return g, tx.CreateResourceGroup(g)
}

// GroupInput describes a new resource group.
type GroupInput struct {
	Name, Remark          string
	Region                string // default: the service's default region
	PaymentType           string // PrePaid or PostPaid
	Spec                  int64  // CU
	VpcID, VswitchID      string
	AliyunResourceGroupID string
	Tags                  []Tag
	// ClientToken makes the call idempotent: the same token from the same
	// account returns the group it created.
	ClientToken string
}

var groupNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,127}$`)

// CreateResourceGroup creates a serverless resource group of the caller's
// account.
func (s *Service) CreateResourceGroup(ctx context.Context, caller *iam.Identity, in GroupInput) (ResourceGroup, error) {
	if !groupNamePattern.MatchString(in.Name) {
		return ResourceGroup{}, invalid("Name", "%q is not a resource group name", in.Name).
			WithRecommend("a resource group name has up to 128 letters, digits and underscores, and starts with a letter")
	}
	if len([]rune(in.Remark)) > 128 {
		return ResourceGroup{}, invalid("Remark", "it is longer than 128 characters")
	}
	switch in.PaymentType {
	case "PrePaid", "PostPaid":
	default:
		return ResourceGroup{}, invalid("PaymentType", "%q is not PrePaid or PostPaid", in.PaymentType)
	}
	if in.Spec < 0 {
		return ResourceGroup{}, invalid("Spec", "it is negative")
	}
	if in.Spec == 0 {
		in.Spec = 2
	}
	region, err := s.Region("RegionId", in.Region)
	if err != nil {
		return ResourceGroup{}, err
	}
	var out store.ResourceGroup
	err = s.update(ctx, func(tx store.Tx) error {
		groups, err := tx.ListResourceGroups(caller.Account)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if in.ClientToken != "" && settingsOf(g).ClientToken == in.ClientToken {
				out = g
				return nil
			}
		}
		out, err = s.newGroup(tx, caller, region, in.Name, in.Remark, false, groupSettings{PaymentType: in.PaymentType, Spec: in.Spec,
			VpcID: in.VpcID, VswitchID: in.VswitchID, AliyunResourceGroupID: in.AliyunResourceGroupID, Tags: in.Tags,
			ClientToken: in.ClientToken}, s.o.Now().UTC())
		return err
	})
	return groupFrom(out), err
}

// ownGroup reads a group of the caller's account, by id or identifier.
func ownGroup(r store.Reader, caller *iam.Identity, idOrIdentifier string) (store.ResourceGroup, error) {
	g, err := r.GetResourceGroup(groupIDOf(idOrIdentifier))
	if errors.Is(err, store.ErrNotFound) || err == nil && g.Owner != caller.Account {
		return store.ResourceGroup{}, errResourceGroupNotExists(idOrIdentifier)
	}
	return g, err
}

// GetResourceGroup returns a group of the caller's account, by id or
// 2020-05-18 identifier.
func (s *Service) GetResourceGroup(ctx context.Context, caller *iam.Identity, id string) (ResourceGroup, error) {
	var g store.ResourceGroup
	err := s.view(ctx, func(r store.Reader) (err error) {
		g, err = ownGroup(r, caller, id)
		return err
	})
	return groupFrom(g), err
}

// LookupResourceGroup finds a group of any account, by id or identifier,
// for building the ARN a call is authorized on.
func (s *Service) LookupResourceGroup(ctx context.Context, id string) (ResourceGroup, bool) {
	var g store.ResourceGroup
	err := s.o.Store.View(ctx, func(r store.Reader) (err error) {
		g, err = r.GetResourceGroup(groupIDOf(id))
		return err
	})
	return groupFrom(g), err == nil
}

// GroupFilter selects resource groups.
type GroupFilter struct {
	Region    string // "": every region
	Workspace int64  // 0: any; else the groups associated with it
	// NameContains matches a case-insensitive substring of the name (or,
	// for the 2020-05-18 Keyword, of the identifier).
	NameContains string
	Statuses     []string
	Types        []string
}

// ListResourceGroups lists the caller's groups that f selects, by Number.
func (s *Service) ListResourceGroups(ctx context.Context, caller *iam.Identity, f GroupFilter) ([]ResourceGroup, error) {
	var out []ResourceGroup
	err := s.view(ctx, func(r store.Reader) error {
		var assoc map[string]bool
		if f.Workspace != 0 {
			if _, err := ownWorkspace(r, caller, f.Workspace); err != nil {
				return err
			}
			ids, err := r.ListWorkspaceGroups(f.Workspace)
			if err != nil {
				return err
			}
			assoc = map[string]bool{}
			for _, id := range ids {
				assoc[id] = true
			}
		}
		groups, err := r.ListResourceGroups(caller.Account)
		if err != nil {
			return err
		}
		needle := strings.ToLower(f.NameContains)
		for _, rec := range groups {
			g := groupFrom(rec)
			switch {
			case f.Region != "" && g.Region != f.Region,
				assoc != nil && !assoc[g.ID],
				needle != "" && !strings.Contains(strings.ToLower(g.Name), needle) && !strings.Contains(strings.ToLower(g.Identifier), needle),
				len(f.Statuses) > 0 && !containsFold(f.Statuses, g.Status),
				len(f.Types) > 0 && !containsFold(f.Types, g.Type):
				continue
			}
			out = append(out, g)
		}
		return nil
	})
	return out, err
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Associate associates a group of the caller's account with one of its
// workspaces in the same region. A group serves only its own account's
// workspaces.
func (s *Service) Associate(ctx context.Context, caller *iam.Identity, groupID string, workspace int64) error {
	return s.update(ctx, func(tx store.Tx) error {
		g, err := ownGroup(tx, caller, groupID)
		if err != nil {
			return err
		}
		w, err := tx.GetWorkspace(workspace)
		if errors.Is(err, store.ErrNotFound) {
			return errProjectNotExists(workspace)
		}
		if err != nil {
			return err
		}
		if w.Owner != g.Owner {
			return apierr.New(403, CodeResourceGroupAccount, "The resource group and the workspace belong to different accounts.").
				WithRecommend("resource group %s serves only the workspaces of account %s; associate a group of the workspace's own account with it", g.ID, g.Owner)
		}
		if w.Region != g.Region {
			return apierr.New(400, CodeResourceGroupRegion, "The resource group and the workspace are in different regions.").
				WithRecommend("resource group %s is in %s and workspace %d in %s; associate a group of %s (create one with CreateResourceGroup RegionId=%s)",
					g.ID, g.Region, w.ID, w.Region, w.Region, w.Region)
		}
		err = tx.Associate(store.ResourceGroupAssociation{Group: g.ID, Workspace: w.ID, CreatedAt: s.o.Now().UTC()})
		if errors.Is(err, store.ErrExists) {
			return apierr.New(409, CodeAssociationExists, "The resource group is already associated with the workspace.").
				WithRecommend("resource group %s already serves workspace %d", g.ID, w.ID)
		}
		return err
	})
}

// Dissociate ends an association.
func (s *Service) Dissociate(ctx context.Context, caller *iam.Identity, groupID string, workspace int64) error {
	return s.update(ctx, func(tx store.Tx) error {
		g, err := ownGroup(tx, caller, groupID)
		if err != nil {
			return err
		}
		if _, err := ownWorkspace(tx, caller, workspace); err != nil {
			return err
		}
		err = tx.Dissociate(g.ID, workspace)
		if errors.Is(err, store.ErrNotFound) {
			return apierr.New(404, CodeAssociationNotExists, "The resource group is not associated with the workspace.").
				WithRecommend("list the workspaces of resource group %s with ListResourceGroupAssociateProjects", g.ID)
		}
		return err
	})
}

// GroupWorkspaces lists the workspaces a group of the caller's account is
// associated with, by id.
func (s *Service) GroupWorkspaces(ctx context.Context, caller *iam.Identity, groupID string) ([]int64, error) {
	var ids []int64
	err := s.view(ctx, func(r store.Reader) error {
		g, err := ownGroup(r, caller, groupID)
		if err != nil {
			return err
		}
		ids, err = r.ListGroupWorkspaces(g.ID)
		return err
	})
	return ids, err
}

// WorkspaceGroups lists the groups associated with a workspace of the
// caller's account, by id.
func (s *Service) WorkspaceGroups(ctx context.Context, caller *iam.Identity, workspace int64) ([]string, error) {
	var ids []string
	err := s.view(ctx, func(r store.Reader) error {
		if _, err := ownWorkspace(r, caller, workspace); err != nil {
			return err
		}
		var err error
		ids, err = r.ListWorkspaceGroups(workspace)
		return err
	})
	return ids, err
}

// SetGroupStatus stops (GroupStop) or restarts (GroupNormal) a group. A
// stopped group refuses new work; work it is running finishes. No
// DataWorks API stops a group; this is for localyun's own tools and tests.
func (s *Service) SetGroupStatus(ctx context.Context, id, status string) error {
	if status != GroupNormal && status != GroupStop {
		return fmt.Errorf("dataworks: status %q is not %s or %s", status, GroupNormal, GroupStop)
	}
	s.poolsMu.Lock()
	defer s.poolsMu.Unlock()
	err := s.update(ctx, func(tx store.Tx) error {
		g, err := tx.GetResourceGroup(groupIDOf(id))
		if errors.Is(err, store.ErrNotFound) {
			return errResourceGroupNotExists(id)
		}
		if err != nil {
			return err
		}
		g.Status, g.UpdatedAt = status, s.o.Now().UTC()
		return tx.UpdateResourceGroup(g)
	})
	if err != nil {
		return err
	}
	if p, ok := s.pools[groupIDOf(id)]; ok {
		p.setStatus(status)
	}
	return nil
}

// Pool returns the worker pool of a group (of any account: callers check
// ownership first).
func (s *Service) Pool(ctx context.Context, id string) (*Group, error) {
	id = groupIDOf(id)
	s.poolsMu.Lock()
	p, ok := s.pools[id]
	s.poolsMu.Unlock()
	if ok {
		return p, nil
	}
	// The status is read under poolsMu, which SetGroupStatus holds while
	// it writes one: a pool never starts from a status already replaced.
	s.poolsMu.Lock()
	defer s.poolsMu.Unlock()
	if p, ok := s.pools[id]; ok {
		return p, nil
	}
	g, found := s.LookupResourceGroup(ctx, id)
	if !found {
		return nil, errResourceGroupNotExists(id)
	}
	p = NewGroup(id, g.Status, s.o.GroupConcurrency)
	s.pools[id] = p
	return p, nil
}

// Group is a resource group's worker pool: it runs at most its
// concurrency of tasks at once, and none while it is stopped.
type Group struct {
	id    string
	slots chan struct{}

	mu     sync.Mutex
	status string
}

// NewGroup makes a pool with a status and a concurrency (at least 1).
func NewGroup(id, status string, concurrency int) *Group {
	return &Group{id: id, status: status, slots: make(chan struct{}, max(concurrency, 1))}
}

// ID is the group's id.
func (g *Group) ID() string { return g.id }

// Status is GroupNormal or GroupStop.
func (g *Group) Status() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.status
}

func (g *Group) setStatus(status string) {
	g.mu.Lock()
	g.status = status
	g.mu.Unlock()
}

// Busy is how many tasks are running.
func (g *Group) Busy() int { return len(g.slots) }

// Run runs fn on the group: it waits for a free slot (or for ctx to end,
// returning ctx's error), and refuses with a *GroupStoppedError, wrapping
// ErrGroupStopped, when the group is not Normal before or after the wait.
// fn's error is returned as is.
func (g *Group) Run(ctx context.Context, fn func(context.Context) error) error {
	if st := g.Status(); st != GroupNormal {
		return &GroupStoppedError{ID: g.id, Status: st}
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.slots }()
	if st := g.Status(); st != GroupNormal {
		return &GroupStoppedError{ID: g.id, Status: st}
	}
	return fn(ctx)
}
