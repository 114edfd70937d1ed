package odpsrest_test

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkTrivialQueryTryWait measures a trivial query through the whole
// ODPS path as a client sees it: a v2-signed POST .../instances?tryWait
// over loopback HTTP, answered 200 with the result. It reports the p50 and
// p99 latency of the round trips.
func BenchmarkTrivialQueryTryWait(b *testing.B) {
	e := newEnv(b)
	body := jobBody("select 1 as one;", "")
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		r := e.send(e.keyB, req{method: "POST", path: "/projects/sale_project/instances", query: "tryWait", body: body})
		lat = append(lat, time.Since(start))
		if r.Status != 200 {
			b.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
