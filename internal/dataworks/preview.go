package dataworks

import (
	"context"
	"errors"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Preview limits: PreviewInput.Limit is 1 to MaxPreviewRows, default
// DefaultPreviewRows.
const (
	DefaultPreviewRows = 10
	MaxPreviewRows     = 100
	// MaxTableNameLen bounds a previewed table's name (schema.table for
	// Hologres).
	MaxTableNameLen = 256
)

// PreviewInput names what to preview: an environment of a data source of
// a workspace, a table, and the resource group to read from ("" for the
// account's default group in the workspace's region).
type PreviewInput struct {
	Workspace  int64
	DataSource string // the name
	Env        string // EnvDev or EnvProd; "" for Prod
	Table      string
	Limit      int // 0 for DefaultPreviewRows
	Group      string
}

// PreviewTable reads the first rows of a table through a data source of a
// workspace of the caller's account (a localyun extension of the
// 2024-05-18 API, reference/dataworks.md §8.1's "preview"). It runs on the
// resource group like a connectivity test and reads as the data source's
// identity: for a cross-account source, B's role assumed as
// engine.dataworks.aliyuncs.com for the workspace owner.
func (s *Service) PreviewTable(ctx context.Context, caller *iam.Identity, in PreviewInput) (Preview, error) {
	if in.Env == "" {
		in.Env = EnvProd
	}
	env, err := NormalizeEnv("EnvType", in.Env)
	if err != nil {
		return Preview{}, err
	}
	switch {
	case in.Limit == 0:
		in.Limit = DefaultPreviewRows
	case in.Limit < 1 || in.Limit > MaxPreviewRows:
		return Preview{}, invalid("Limit", "%d is not between 1 and %d", in.Limit, MaxPreviewRows)
	}
	table := strings.TrimSpace(in.Table)
	if table == "" || len(table) > MaxTableNameLen || strings.ContainsAny(table, "\x00\r\n") {
		return Preview{}, invalid("TableName", "give the name of one table (up to %d characters; schema.table for Hologres)", MaxTableNameLen)
	}
	var rec store.DataSource
	var g store.ResourceGroup
	associated := false
	err = s.view(ctx, func(r store.Reader) error {
		w, err := ownWorkspace(r, caller, in.Workspace)
		if err != nil {
			return err
		}
		rec, err = r.GetDataSourceByName(store.DataSourceKind, in.Workspace, in.DataSource, env)
		if errors.Is(err, store.ErrNotFound) {
			return errConnectionNotExists(in.DataSource + " (" + env + ")")
		}
		if err != nil {
			return err
		}
		if in.Group == "" {
			groups, err := r.ListResourceGroups(caller.Account)
			if err != nil {
				return err
			}
			for _, cand := range groups {
				if cand.Default && cand.Region == w.Region {
					g = cand
				}
			}
			if g.ID == "" {
				return errResourceGroupNotExists("default_serverless_group (" + w.Region + ")")
			}
		} else if g, err = ownGroup(r, caller, in.Group); err != nil {
			return err
		}
		ids, err := r.ListGroupWorkspaces(g.ID)
		for _, id := range ids {
			associated = associated || id == in.Workspace
		}
		return err
	})
	if err != nil {
		return Preview{}, err
	}
	if !associated {
		return Preview{}, apierr.Newf(400, CodeAssociationNotExists, "The resource group is not associated with the workspace.").
			WithRecommend("resource group %s is not associated with workspace %d: associate it (AssociateProjectToResourceGroup), or preview from a group that is", g.ID, in.Workspace)
	}
	pool, err := s.Pool(ctx, g.ID)
	if err != nil {
		return Preview{}, err
	}
	ds, err := s.Reveal(ctx, rec.ID)
	if err != nil {
		return Preview{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, s.o.TestTimeout)
	defer cancel()
	var out Preview
	err = pool.Run(tctx, func(ctx context.Context) (err error) {
		out, err = s.o.Connector.PreviewTable(ctx, ds, g.ID, table, in.Limit)
		return err
	})
	var stopped *GroupStoppedError
	switch {
	case errors.As(err, &stopped):
		return Preview{}, apierr.New(409, CodeResourceGroupStopped, "The resource group is stopped.").WithRecommend("%s", stopped.Error())
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return Preview{}, apierr.New(504, "Timeout.DataSource.Preview", "The preview did not finish in time.").
			WithRecommend("resource group %s could not read %s through %s within %s", g.ID, table, ds.Name, s.o.TestTimeout)
	case err != nil:
		return Preview{}, internal(err)
	}
	if len(out.Rows) > in.Limit {
		out.Rows = out.Rows[:in.Limit]
	}
	return out, nil
}
