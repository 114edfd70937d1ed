package policy_test

import (
	"testing"

	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/policy/policytest"
)

// BenchmarkAuthorize decides each named workload (docs/policy.md,
// "Figures") and checks the decision on every iteration.
func BenchmarkAuthorize(b *testing.B) {
	for _, w := range policytest.Workloads() {
		b.Run(w.Name, func(b *testing.B) {
			in, err := w.Compile()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := w.Decide(in); res.Decision != w.Want {
					b.Fatalf("decision %v, want %v", res.Decision, w.Want)
				}
			}
		})
	}
}

// BenchmarkParse measures compiling the documents of each workload, which
// happens once per policy version, not per request.
func BenchmarkParse(b *testing.B) {
	for _, w := range policytest.Workloads() {
		b.Run(w.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Compile(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWorkloads keeps the benchmark scenarios honest: each must get its
// expected decision, and deciding must not allocate.
func TestWorkloads(t *testing.T) {
	for _, w := range policytest.Workloads() {
		in, err := w.Compile()
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		if res := w.Decide(in); res.Decision != w.Want {
			t.Errorf("%s: decision %v, want %v", w.Name, res.Decision, w.Want)
		}
		if allocs := testing.AllocsPerRun(20, func() { w.Decide(in) }); allocs != 0 {
			t.Errorf("%s: deciding allocates %.0f times, want 0", w.Name, allocs)
		}
	}
	_ = policy.MaxReasons
}
