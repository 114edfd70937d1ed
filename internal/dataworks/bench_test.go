package dataworks

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/store"
)

// BenchmarkListDataSources pages through a workspace with 10,000 data
// sources (5,000 names, Dev and Prod), 100 names a page, as the 2024-05-18
// ListDataSources does (issue 6 target: p99 under 50 ms a page), and
// reports the p50 and p99 of a page.
func BenchmarkListDataSources(b *testing.B) {
	f := newFixture(b)
	ws := must(f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "bench_ws", Mode: WorkspaceStandard}))(b)
	props := []byte(`{"envType":"Prod","regionId":"cn-hangzhou","project":"b_prj","endpointMode":"SelfAdaption","authType":"RamRole","crossAccountOwnerId":"2000000000000002","crossAccountRoleName":"testRole"}`)
	err := f.db.Update(ctx, func(tx store.Tx) error {
		for i := range 10000 {
			env := []string{EnvDev, EnvProd}[i%2]
			d := store.DataSource{ID: int64(1000000 + i), Kind: store.DataSourceKind, Workspace: ws.ID, Name: fmt.Sprintf("src_%05d", i/2),
				Env: env, Type: TypeMaxCompute, Mode: ModeURL, Properties: props, CreatedAt: f.clock, UpdatedAt: f.clock}
			if err := tx.CreateDataSource(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	page := 0
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		p, err := f.svc.ListDataSources(ctx, rootA, Query{Workspace: ws.ID, GroupByName: true, Desc: true, Offset: page * 100, Size: 100})
		took = append(took, time.Since(start))
		if err != nil || p.Total != 5000 || len(p.Items) != 200 {
			b.Fatalf("page %d: %d items of %d, %v", page, len(p.Items), p.Total, err)
		}
		page = (page + 1) % 50
	}
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
