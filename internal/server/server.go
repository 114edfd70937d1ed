// Package server wires localyun together: the data directory, the store,
// the IAM, STS and product services, the API gateway, the HTTP and HTTPS
// listeners, the admin socket and the background jobs. `localyun serve`
// calls Run; tests start the built binary.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/datadir"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/hologresapi"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/engine"
	"github.com/localyun/localyun/internal/maxcomputeapi"
	"github.com/localyun/localyun/internal/odpsrest"
	"github.com/localyun/localyun/internal/ram"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
	"github.com/localyun/localyun/internal/sts"
	"github.com/localyun/localyun/internal/stsapi"
)

// Default listener addresses (loopback only).
const (
	DefaultHTTPAddr  = "127.0.0.1:18080"
	DefaultHTTPSAddr = "127.0.0.1:18443"
)

// Regions are the region ids resources can be created in; the first is the
// default.
var Regions = []string{
	"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-huhehaote",
	"cn-wulanchabu", "cn-chengdu", "cn-hongkong", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5",
	"ap-northeast-1", "eu-central-1", "eu-west-1", "us-west-1", "us-east-1",
}

// Config is what `localyun serve` takes.
type Config struct {
	DataDir       string
	HTTPAddr      string   // "" disables
	HTTPSAddr     string   // "" disables
	CertHosts     []string // extra names for the certificate
	DefaultRegion string
	// STSMinDuration lowers the shortest DurationSeconds (for test suites).
	STSMinDuration time.Duration
	// NonceCap bounds nonces per AccessKey (default gateway.DefaultNonceCap).
	NonceCap int
	// AuditRetention is how long audit records are kept (default 30 days).
	AuditRetention time.Duration
	// ClockOffset shifts the server's clock (test suites only): with the
	// clock a few minutes behind its clients, STS credentials reach the
	// credential providers' refresh margin within seconds.
	ClockOffset time.Duration
	// MaxCompute bounds the MaxCompute engine and the ODPS front end.
	MaxCompute MaxComputeConfig
	// Holo configures Hologres (its PostgreSQL clusters and front ends).
	Holo   HoloConfig
	Logger *slog.Logger
	// Ready is called once the control plane answers; tests and the demo
	// use it.
	Ready func(datadir.Addresses)

	// DataWorks configures DataWorks (its resource groups' workers).
	DataWorks DataWorksConfig
}

// Server limits, documented in docs/security.md.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	maxBodyBytes      = 1 << 20
	shutdownGrace     = 10 * time.Second
)

// Run starts the server and blocks until ctx is cancelled, then shuts
// down gracefully.
func Run(ctx context.Context, cfg Config) (err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = Regions[0]
	}
	if !ValidRegion(cfg.DefaultRegion) {
		return fmt.Errorf("unknown region %q: use one of %s", cfg.DefaultRegion, strings.Join(Regions, ", "))
	}
	if cfg.AuditRetention <= 0 {
		cfg.AuditRetention = 30 * 24 * time.Hour
	}
	dir, err := datadir.Open(cfg.DataDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	master, err := dir.MasterKey()
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, dir.Path("localyun.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	now := time.Now
	if offset := cfg.ClockOffset; offset != 0 {
		now = func() time.Time { return time.Now().Add(offset) }
	}
	ident, err := iam.New(ctx, iam.Options{Store: db, MasterKey: master, Logger: log, Regions: Regions, Now: now})
	if err != nil {
		return err
	}
	keys, err := sts.LoadKeyring(ctx, db, master, now())
	if err != nil {
		return err
	}
	stsSvc := sts.New(sts.Options{IAM: ident, Keyring: keys, MinDuration: cfg.STSMinDuration, Now: now})
	nonceCap := cfg.NonceCap
	if nonceCap <= 0 {
		nonceCap = gateway.DefaultNonceCap
	}
	replay := gateway.NewReplayGuard(signature.DefaultWindow, nonceCap)
	if err := restoreNonces(ctx, db.Audit(), replay, now()); err != nil {
		return fmt.Errorf("restore nonces: %w", err)
	}
	keyResolver := resolver{iam: ident, sts: stsSvc}
	// MaxCompute: one DuckDB database per project in <data-dir>/maxcompute.
	// Closed after the listeners and the ODPS front end have stopped
	// (deferred calls run in reverse order).
	eng, err := engine.Open(dir.Path("maxcompute"), cfg.MaxCompute.engineOptions(now))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := eng.Close(); cerr != nil {
			log.Error("closing the MaxCompute engine", "err", cerr)
		}
	}()
	mc := maxcompute.New(maxcompute.Options{Store: db, IAM: ident, Engine: eng.MCDB(), Now: now, Logger: log, ValidRegion: ValidRegion})
	odps := odpsrest.New(odpsrest.Options{Service: mc, Resolver: keyResolver, Audit: db.Audit(), Logger: log, Now: now,
		Retention: cfg.MaxCompute.InstanceRetention, MaxInstances: cfg.MaxCompute.MaxInstances})
	defer odps.Close()

	// One certificate for HTTPS and the Hologres front ends' TLS.
	certFile, keyFile, err := dir.Certificate(cfg.CertHosts, now())
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	holo, err := startHologres(cfg.Holo, holoDeps{dataDir: dir.Root(), store: db, iam: ident, resolve: keyResolver,
		tls: tlsConfig, region: ValidRegion, now: now, log: log})
	if err != nil {
		return err
	}
	defer holo.close()

	dw, err := newDataWorks(cfg.DataWorks, dataWorksDeps{store: db, master: master, defaultRegion: cfg.DefaultRegion,
		iam: ident, sts: stsSvc, mc: mc, holo: holo.svc, now: now, log: log})
	if err != nil {
		return err
	}

	metrics := newMetrics()
	gw := gateway.New(gateway.Options{
		Registry: gateway.NewRegistry(ram.Actions(ident), stsapi.Actions(stsSvc), maxcomputeapi.Actions(mc, cfg.DefaultRegion),
			hologresapi.Actions(holo.svc, cfg.DefaultRegion), dataWorksActions(dw)),
		Resolver: keyResolver,
		IAM:      ident,
		Audit:    db.Audit(),
		Logger:   log,
		Replay:   replay,
		MaxBody:  maxBodyBytes,
		Now:      now,
	})

	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.registry, promhttp.HandlerOpts{}))
	mux.Handle("/", metrics.wrap(dispatch(gw, odps)))

	var addrs datadir.Addresses
	var servers []*http.Server
	var wg sync.WaitGroup
	serveErr := make(chan error, 3)
	start := func(ln net.Listener, srv *http.Server) {
		servers = append(servers, srv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
	}
	newHTTPServer := func(h http.Handler) *http.Server {
		return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
			WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		for _, srv := range servers {
			srv.Shutdown(shutdownCtx) //nolint:errcheck // best effort at exit
		}
		wg.Wait()
	}()
	if cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("http listener: %w", err)
		}
		addrs.HTTP = ln.Addr().String()
		start(ln, newHTTPServer(mux))
	}
	if cfg.HTTPSAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPSAddr)
		if err != nil {
			return fmt.Errorf("https listener: %w", err)
		}
		addrs.HTTPS = ln.Addr().String()
		srv := newHTTPServer(mux)
		srv.TLSConfig = tlsConfig
		start(tls.NewListener(ln, srv.TLSConfig), srv)
	}
	adminToken, err := admin.LoadOrCreateToken(dir.Path(admin.TokenFile))
	if err != nil {
		return err
	}
	adminLn, err := admin.Listen(dir.Path(admin.SocketFile))
	if err != nil {
		return err
	}
	addrs.Admin = adminLn.Addr().String()
	adminHandler := admin.NewHandler(adminToken, adminRoutes(ident, db.Audit()))
	adminHandler.Log = log
	start(adminLn, admin.NewServer(adminHandler, log))

	if err := dir.WriteAddresses(addrs); err != nil {
		return err
	}
	ready.Store(true)
	log.Info("localyun is ready", "http", addrs.HTTP, "https", addrs.HTTPS, "admin", addrs.Admin, "data_dir", dir.Root())
	if cfg.Ready != nil {
		cfg.Ready(addrs)
	}

	if err := holo.svc.StartAll(ctx); err != nil {
		log.Error("starting the Hologres instances", "err", err)
	}

	jobs := &background{log: log, db: db, master: master, sts: stsSvc, replay: replay, retention: cfg.AuditRetention, now: now}
	jobCtx, stopJobs := context.WithCancel(ctx)
	wg.Add(1)
	go func() { defer wg.Done(); jobs.run(jobCtx) }()
	defer stopJobs()

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-serveErr:
		return err
	}
}

// ValidRegion reports whether r is a region localyun knows.
func ValidRegion(r string) bool {
	for _, known := range Regions {
		if r == known {
			return true
		}
	}
	return false
}

// dispatch routes on the signature scheme first, so that paths never
// collide between protocols: RPC signatures go to the gateway, then ODPS
// requests (under the ODPS prefix, or signed with the ODPS scheme) to the
// ODPS front end.
func dispatch(gw *gateway.Gateway, odps *odpsrest.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gateway.IsRPC(r) {
			gw.ServeHTTP(w, r)
			return
		}
		if odps.Claims(r) {
			odps.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, `{"Code":"InvalidApi.NotFound","Message":"Specified api is not found, please check your url and method.","Recommend":"sign RPC requests with signature V1 (Signature parameter) or V3 (ACS3-HMAC-SHA256 Authorization header)"}`)
	})
}

// resolver finds the identity and secret behind an AccessKeyId.
type resolver struct {
	iam *iam.Service
	sts *sts.Service
}

func (r resolver) Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error) {
	if strings.HasPrefix(accessKeyID, "STS.") {
		return r.sts.Resolve(ctx, accessKeyID, securityToken)
	}
	if securityToken != "" {
		return nil, "", apierr.New(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.").
			WithRecommend("a SecurityToken goes only with the STS AccessKeyId (STS.*) it was issued with")
	}
	cred, err := r.iam.LookupAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", apierr.New(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.").
			WithRecommend("check the AccessKeyId; localyun issues keys with `localyun account create` and CreateAccessKey")
	}
	if err != nil {
		return nil, "", err
	}
	if !cred.Active {
		return nil, "", apierr.New(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.").
			WithRecommend("activate it with UpdateAccessKey Status=Active, or use another key")
	}
	return &cred.Identity, cred.Secret, nil
}

// restoreNonces reloads the nonces of requests still inside the signature
// window from the audit trail, so a restart opens no replay window.
func restoreNonces(ctx context.Context, audit store.AuditLog, g *gateway.ReplayGuard, now time.Time) error {
	var after int64
	cutoff := now.Add(-2 * signature.DefaultWindow)
	for {
		recs, err := audit.Query(ctx, "", after, 5000)
		if err != nil {
			return err
		}
		for _, r := range recs {
			after = r.Seq
			if r.Nonce != "" && r.SignedAt.After(cutoff) {
				g.Restore(r.AccessKeyID, r.Nonce, r.SignedAt)
			}
		}
		if len(recs) < 5000 {
			return nil
		}
	}
}

// keyRotation is how often the STS token key is replaced.
const keyRotation = 24 * time.Hour

// background runs the periodic jobs: nonce sweeps, audit retention and
// STS key rotation.
type background struct {
	log       *slog.Logger
	db        *sqlite.DB
	master    []byte
	sts       *sts.Service
	replay    *gateway.ReplayGuard
	retention time.Duration
	now       func() time.Time
}

func (b *background) run(ctx context.Context) {
	sweep := time.NewTicker(time.Minute)
	prune := time.NewTicker(time.Hour)
	rotate := time.NewTicker(keyRotation)
	defer sweep.Stop()
	defer prune.Stop()
	defer rotate.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			b.replay.Sweep(b.now())
		case <-rotate.C:
			if err := b.sts.RotateKeys(ctx, b.db, b.master); err != nil {
				b.log.Error("STS key rotation", "err", err)
			} else {
				b.log.Info("STS token key rotated")
			}
		case <-prune.C:
			if n, err := b.db.Audit().Prune(ctx, b.now().Add(-b.retention)); err != nil {
				b.log.Error("audit retention", "err", err)
			} else if n > 0 {
				b.log.Info("audit retention", "deleted", n)
			}
		}
	}
}

// metrics are the Prometheus metrics of the HTTP front door. Labels never
// carry identities, keys or parameters.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "localyun_http_requests_total", Help: "HTTP requests by status class."}, []string{"class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "localyun_http_request_seconds", Help: "HTTP request latency.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, []string{"class"}),
	}
	m.registry.MustRegister(m.requests, m.latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		h.ServeHTTP(sw, r)
		class := fmt.Sprintf("%dxx", sw.status/100)
		m.requests.WithLabelValues(class).Inc()
		m.latency.WithLabelValues(class).Observe(time.Since(start).Seconds())
	})
}
