package server_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/datadir"
	"github.com/localyun/localyun/internal/loadgen"
	"github.com/localyun/localyun/internal/server"
)

// BenchmarkRPC serves real V1-signed AssumeRole and GetRole requests over
// loopback HTTP with keep-alive, in one process with the server (audit on,
// as by default), from 8 concurrent clients. ns/op is the wall time per
// request at that concurrency, client included; with -cpuprofile it shows
// where the server's time goes without a separate process:
//
//	go test ./internal/server -run XXX -bench RPC -cpuprofile cpu.prof
//
// `localyun bench rpc` (docs/benchmarks.md) measures the same against the
// built binary.
func BenchmarkRPC(b *testing.B) {
	endpoint, setup := startBenchServer(b)
	for _, tc := range []struct {
		action, version string
		params          map[string]string
		keys            []loadgen.Key
		ok              loadgen.ResponseCheck
	}{
		{"AssumeRole", loadgen.STSVersion, map[string]string{"RoleArn": setup.RoleArn, "RoleSessionName": "bench"}, setup.AssumeRole.Keys, loadgen.AssumeRoleOK},
		{"GetRole", loadgen.RAMVersion, map[string]string{"RoleName": setup.RoleName}, setup.GetRole.Keys, loadgen.GetRoleOK},
	} {
		b.Run(tc.action, func(b *testing.B) {
			rpc := &loadgen.RPC{Endpoint: endpoint, Version: tc.version, Action: tc.action, Params: tc.params}
			for _, k := range tc.keys {
				rpc.Keys = append(rpc.Keys, k.Credentials())
			}
			client := loadgen.NewClient(8)
			defer client.CloseIdleConnections()
			check := loadgen.CheckRPC(tc.ok)
			b.ReportAllocs()
			b.SetParallelism(4) // 4 × GOMAXPROCS (2 here) = 8 clients
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := rpc.NewRequest(0)
					if err != nil {
						b.Error(err)
						return
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						b.Error(err)
						return
					}
					if code := check(resp.StatusCode, resp.Header, body); code != "" {
						b.Errorf("%s: %s: %s", tc.action, code, body)
						return
					}
				}
			})
		})
	}
}

// startBenchServer runs server.Run in a temporary data directory with a
// nonce cap no benchmark reaches, creates accounts A and B and the
// benchmark's role and users, and returns the HTTP address and the setup.
func startBenchServer(b *testing.B) (string, *loadgen.Setup) {
	b.Helper()
	dir := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan datadir.Addresses, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", NonceCap: 1 << 30,
			Ready: func(a datadir.Addresses) { ready <- a }})
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("server.Run: %v", err)
		}
	})
	var addrs datadir.Addresses
	select {
	case addrs = <-ready:
	case err := <-done:
		b.Fatalf("server.Run: %v", err)
	case <-time.After(30 * time.Second):
		b.Fatal("the server did not start within 30 s")
	}
	c, err := admin.Dial(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var accounts [2]loadgen.Account
	for i, name := range []string{"bench-a", "bench-b"} {
		var resp server.AccountCreateResponse
		if err := c.Call(ctx, "account.create", server.AccountCreateRequest{Name: name}, &resp); err != nil {
			b.Fatal(err)
		}
		accounts[i] = loadgen.Account{AccountID: resp.AccountID, AccessKeyID: resp.AccessKeyID, AccessKeySecret: resp.AccessKeySecret}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	setup, err := loadgen.SetupRPC(ctx, client, addrs.HTTP, "bench", accounts[0], accounts[1])
	if err != nil {
		b.Fatal(err)
	}
	return addrs.HTTP, setup
}
