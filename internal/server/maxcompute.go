package server

import (
	"time"

	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/engine"
	"github.com/localyun/localyun/internal/sts"
)

// NewResolver is the resolver the gateway and the ODPS front end use
// (AccessKeyIds of accounts and RAM users, and STS credentials), exported
// for the ODPS front end's tests.
func NewResolver(ident *iam.Service, s *sts.Service) gateway.Resolver {
	return resolver{iam: ident, sts: s}
}

// MaxComputeConfig bounds the MaxCompute service: the DuckDB engine that
// holds the projects' data (in <data-dir>/maxcompute) and the ODPS front
// end's instances. Zero values take the defaults given per field, which
// `localyun serve` documents on its flags.
type MaxComputeConfig struct {
	// MemoryLimit per project database, DuckDB size syntax (512MB).
	MemoryLimit string
	// Threads per project database (2).
	Threads int
	// StatementTimeout bounds each statement (60s).
	StatementTimeout time.Duration
	// MaxOpen bounds the project databases open at once (32).
	MaxOpen int
	// InstanceRetention is how long finished instances and their results
	// are kept (24h); MaxInstances how many are kept (10000).
	InstanceRetention time.Duration
	MaxInstances      int
}

func (c MaxComputeConfig) engineOptions(now func() time.Time) engine.Options {
	return engine.Options{MemoryLimit: c.MemoryLimit, Threads: c.Threads, StatementTimeout: c.StatementTimeout,
		MaxOpen: c.MaxOpen, Now: now}
}
