package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// nearestRank is the exact q-quantile of sorted values by the nearest-rank
// method, the definition Histogram.Quantile approximates.
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[rank-1]
}

func TestBucketsAreContiguous(t *testing.T) {
	prevEnd := uint64(0)
	for i := 0; i < 60*subCount; i++ {
		low, width := bucketRange(i)
		if low != prevEnd {
			t.Fatalf("bucket %d starts at %d, want %d", i, low, prevEnd)
		}
		if got := bucketOf(low); got != i {
			t.Fatalf("bucketOf(%d) = %d, want %d", low, got, i)
		}
		if got := bucketOf(low + width - 1); got != i {
			t.Fatalf("bucketOf(%d) = %d, want %d (end of bucket)", low+width-1, got, i)
		}
		if low >= 2*subCount && float64(width)/float64(low) > 1.0/subCount {
			t.Fatalf("bucket %d: width %d is more than 1/%d of %d", i, width, subCount, low)
		}
		prevEnd = low + width
		if prevEnd > math.MaxInt64/2 {
			break
		}
	}
}

func TestQuantileExactForSmallValues(t *testing.T) {
	var h Histogram
	// 1..100 ns are below 2*subCount, so every quantile is exact.
	for v := 100; v >= 1; v-- {
		h.Record(time.Duration(v))
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.01, 1}, {0.5, 50}, {0.505, 51}, {0.9, 90}, {0.99, 99}, {0.999, 100}, {1, 100}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %d, want %d", tc.q, got, tc.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 51 { // 50.5, rounded
		t.Errorf("count %d min %v max %v mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestQuantileWithinRelativeError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var vals []time.Duration
	var h Histogram
	for range 50000 {
		// log-normal-ish latencies from 20 µs to seconds
		v := time.Duration(math.Exp(rng.NormFloat64()*1.5+math.Log(500e3))) + 20*time.Microsecond
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999} {
		want := nearestRank(vals, q)
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 1.0/(2*subCount) {
			t.Errorf("Quantile(%v) = %v, exact %v: relative error %.4f", q, got, want, rel)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Quantile(1) != h.Max() || h.Min() != vals[0] {
		t.Errorf("min %v max %v, want %v %v", h.Min(), h.Max(), vals[0], vals[len(vals)-1])
	}
}

func TestMergeEqualsRecordingEverything(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all, a, b, empty Histogram
	for i := range 10000 {
		v := time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	var merged Histogram
	merged.Merge(&empty)
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(&empty)
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		if merged.Quantile(q) != all.Quantile(q) {
			t.Errorf("Quantile(%v): merged %v, direct %v", q, merged.Quantile(q), all.Quantile(q))
		}
	}
	if merged.Count() != all.Count() || merged.Min() != all.Min() || merged.Max() != all.Max() || merged.Mean() != all.Mean() {
		t.Errorf("merged %d/%v/%v/%v, direct %d/%v/%v/%v", merged.Count(), merged.Min(), merged.Max(), merged.Mean(),
			all.Count(), all.Min(), all.Max(), all.Mean())
	}
}

func TestEmptyAndEdgeCases(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Max() != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Fatal("an empty histogram reports non-zero values")
	}
	h.Record(-5) // clock steps: counted as zero
	h.Record(3 * time.Second)
	if h.Min() != 0 || h.Max() != 3*time.Second || h.Quantile(0.5) != 0 || h.Quantile(0.51) != 3*time.Second {
		t.Errorf("min %v max %v p50 %v p51 %v", h.Min(), h.Max(), h.Quantile(0.5), h.Quantile(0.51))
	}
	if h.Quantile(0) != 0 || h.Quantile(2) != 3*time.Second {
		t.Errorf("out-of-range quantiles: %v %v", h.Quantile(0), h.Quantile(2))
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	v := time.Duration(0)
	for b.Loop() {
		v = (v + 7919*time.Nanosecond) % (100 * time.Millisecond)
		h.Record(v)
	}
}
