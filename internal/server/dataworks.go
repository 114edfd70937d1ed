package server

import (
	"log/slog"
	"time"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/dataworksapi"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/store"
)

// DataWorksConfig configures DataWorks. Zero values take the defaults
// given per field, which `localyun serve` documents on its flags.
type DataWorksConfig struct {
	// GroupConcurrency bounds the tasks (connectivity tests, later sync
	// tasks) each resource group runs at once
	// (dataworks.DefaultGroupConcurrency).
	GroupConcurrency int
}

// newDataWorks builds the DataWorks service. Connectivity tests are not
// wired yet: with no Connector, the service answers them with its
// placeholder (dataworks.UnwiredConnector).
func newDataWorks(cfg DataWorksConfig, db store.Store, master []byte, defaultRegion string, now func() time.Time, log *slog.Logger) (*dataworks.Service, error) {
	return dataworks.New(dataworks.Options{Store: db, MasterKey: master, DefaultRegion: defaultRegion, ValidRegion: ValidRegion,
		GroupConcurrency: cfg.GroupConcurrency, Now: now, Logger: log})
}

// dataWorksActions are the DataWorks actions of both API versions.
func dataWorksActions(svc *dataworks.Service) []gateway.Action { return dataworksapi.Actions(svc) }
