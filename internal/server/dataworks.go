package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/dataworks/connectivity"
	"github.com/localyun/localyun/internal/dataworksapi"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/hologresapi"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/sts"
)

// DataWorksConfig configures DataWorks. Zero values take the defaults
// given per field, which `localyun serve` documents on its flags.
type DataWorksConfig struct {
	// GroupConcurrency bounds the tasks (connectivity tests, later sync
	// tasks) each resource group runs at once
	// (dataworks.DefaultGroupConcurrency).
	GroupConcurrency int
}

// dataWorksDeps are the services DataWorks' connector reaches data
// sources through.
type dataWorksDeps struct {
	store         store.Store
	master        []byte
	defaultRegion string
	iam           *iam.Service
	sts           *sts.Service
	mc            *maxcompute.Service
	holo          *hologres.Service
	now           func() time.Time
	log           *slog.Logger
}

// newDataWorks builds the DataWorks service with its connector: STS for
// the engine.dataworks.aliyuncs.com role sessions, MaxCompute's project
// model, and Hologres' instances, OpenAPI authorization and front ends.
func newDataWorks(cfg DataWorksConfig, d dataWorksDeps) (*dataworks.Service, error) {
	conn, err := connectivity.New(connectivity.Options{
		STS:        d.sts,
		Identities: identities{d.iam},
		MaxCompute: d.mc,
		Hologres:   holoConnect{iam: d.iam, svc: d.holo},
		Now:        d.now,
	})
	if err != nil {
		return nil, err
	}
	return dataworks.New(dataworks.Options{Store: d.store, MasterKey: d.master, DefaultRegion: d.defaultRegion, ValidRegion: ValidRegion,
		Connector: conn, GroupConcurrency: cfg.GroupConcurrency, Now: d.now, Logger: d.log})
}

// dataWorksActions are the DataWorks actions of both API versions.
func dataWorksActions(svc *dataworks.Service) []gateway.Action { return dataworksapi.Actions(svc) }

// identities finds the same-account identities of data sources in IAM.
type identities struct{ iam *iam.Service }

func (x identities) RoleName(ctx context.Context, account, id string) (string, error) {
	r, err := x.iam.RoleByID(ctx, account, id)
	return r.Name, err
}

func (x identities) User(ctx context.Context, account, id string) (*iam.Identity, error) {
	u, err := x.iam.UserByID(ctx, account, id)
	if err != nil {
		return nil, err
	}
	return &iam.Identity{Kind: iam.User, Account: account, UserName: u.Name, UserID: u.ID}, nil
}

func (x identities) AccessKey(ctx context.Context, id, secret string) (*iam.Identity, error) {
	cred, err := x.iam.LookupAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if err != nil {
		return nil, err
	}
	if !cred.Active {
		return nil, apierr.New(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
	}
	if subtle.ConstantTimeCompare([]byte(cred.Secret), []byte(secret)) != 1 {
		return nil, apierr.New(400, "SignatureDoesNotMatch", "The AccessKey secret of the data source does not match its AccessKeyId.")
	}
	id2 := cred.Identity
	return &id2, nil
}

// holoConnect reaches Hologres for the connector: the service's
// instances, the OpenAPI's own authorization, and the front ends.
type holoConnect struct {
	iam *iam.Service
	svc *hologres.Service
}

func (h holoConnect) Lookup(ctx context.Context, owner, region, idOrName string) (hologres.Instance, error) {
	return h.svc.Lookup(ctx, owner, region, idOrName)
}

func (h holoConnect) Authorize(ctx context.Context, caller *iam.Identity, action string, in hologres.Instance, requestID string) error {
	return hologresapi.Authorize(ctx, h.iam, caller, action, in, requestID)
}

func (h holoConnect) Login(ctx context.Context, in hologres.Instance, database string, creds connectivity.Credentials) (connectivity.Session, error) {
	return connectivity.FrontEndLogin(ctx, in, database, creds)
}
