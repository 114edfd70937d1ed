package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/hologres/pgcluster"
	"github.com/localyun/localyun/internal/hologres/pgfront"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// HoloConfig configures Hologres in `localyun serve`.
type HoloConfig struct {
	// PortMin and PortMax bound the instances' front-end ports (default
	// DefaultHoloPortMin-DefaultHoloPortMax).
	PortMin, PortMax int
	// PGBin, PGUser, PGDir and PGSocketDir are pgcluster's BinDir, RunAs,
	// BaseDir and SocketBase ("" for their defaults).
	PGBin, PGUser, PGDir, PGSocketDir string
	// Disabled runs the server without Hologres clusters: the instance
	// APIs answer ServiceUnavailable.
	Disabled bool
}

// Default front-end port range of Hologres instances.
const (
	DefaultHoloPortMin = 18500
	DefaultHoloPortMax = 18599
)

// ParsePortRange reads "MIN-MAX".
func ParsePortRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("port range %q: use MIN-MAX, e.g. 18500-18599", s)
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("port range %q: use MIN-MAX with 1 <= MIN <= MAX <= 65535", s)
	}
	return lo, hi, nil
}

// holoDeps is what Hologres needs from the rest of the server.
type holoDeps struct {
	dataDir string
	store   store.Store
	iam     *iam.Service
	resolve resolver
	tls     *tls.Config
	region  func(string) bool
	now     func() time.Time
	log     *slog.Logger
}

// holoRuntime is Hologres running inside the server.
type holoRuntime struct {
	svc      *hologres.Service
	clusters *pgcluster.Manager // nil without PostgreSQL
	fronts   *pgfront.Manager
	log      *slog.Logger
}

// startHologres builds the Hologres service. Without PostgreSQL server
// binaries the server still starts: the instance APIs then say what to
// install.
func startHologres(cfg HoloConfig, d holoDeps) (*holoRuntime, error) {
	if cfg.PortMin == 0 && cfg.PortMax == 0 {
		cfg.PortMin, cfg.PortMax = DefaultHoloPortMin, DefaultHoloPortMax
	}
	rt := &holoRuntime{log: d.log}
	opts := hologres.Options{Store: d.store, IAM: d.iam, Host: "127.0.0.1", PortMin: cfg.PortMin, PortMax: cfg.PortMax,
		ValidRegion: d.region, Now: d.now, Rand: rand.Reader, Logger: d.log}
	var svc *hologres.Service
	if !cfg.Disabled {
		base := cfg.PGDir
		if base == "" {
			base = pgcluster.DefaultBaseDir(d.dataDir)
		}
		mgr, err := pgcluster.NewManager(pgcluster.Options{BaseDir: base, BinDir: cfg.PGBin, RunAs: cfg.PGUser,
			SocketBase: cfg.PGSocketDir, Logger: d.log, Now: d.now})
		switch {
		case errors.Is(err, pgcluster.ErrNoPostgres):
			d.log.Warn("Hologres is unavailable: "+err.Error(), "hint", "install PostgreSQL (apt-get install postgresql) or pass --pg-bin")
		case err != nil:
			return nil, fmt.Errorf("hologres: %w", err)
		default:
			rt.clusters = mgr
			fronts, err := pgfront.NewManager(pgfront.ManagerOptions{
				Resolver: d.resolve, Clusters: mgr, TLS: d.tls, Audit: d.store.Audit(), Logger: d.log, Now: d.now,
				Lookup: func(ctx context.Context, id string) (string, string, error) {
					in, err := svc.GetInstance(ctx, id)
					return in.Region, in.Owner, err
				},
			})
			if err != nil {
				return nil, err
			}
			rt.fronts = fronts
			opts.Clusters, opts.Front = mgr, fronts
		}
	}
	svc = hologres.New(opts)
	rt.svc = svc
	return rt, nil
}

// close stops the front ends, then the clusters.
func (rt *holoRuntime) close() {
	if rt.fronts != nil {
		rt.fronts.Close() //nolint:errcheck // closing listeners at exit
	}
	if rt.clusters != nil {
		ctx, cancel := context.WithTimeout(context.Background(), pgcluster.DefaultStopTimeout+5*time.Second)
		defer cancel()
		if err := rt.clusters.Close(ctx); err != nil {
			rt.log.Error("stopping the Hologres clusters", "err", err)
		}
	}
}
