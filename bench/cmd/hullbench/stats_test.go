package main

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for _, c := range []struct{ p, want float64 }{{50, 3}, {0, 1}, {100, 5}, {10, 1.4}, {90, 4.6}} {
		if got := percentile(xs, c.p); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if xs[0] != 5 {
		t.Errorf("percentile sorted its input in place: %v", xs)
	}
	if got := percentile([]float64{1, 2, 3, 4}, 50); got != 2.5 {
		t.Errorf("median of even count = %v, want 2.5", got)
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Error("percentile of nothing is not NaN")
	}
}

func TestSeriesAndRatio(t *testing.T) {
	w, c, r := series([]sample{{Wall: 3 * time.Millisecond, CPU: 1500 * time.Microsecond, MaxRSSKB: 7}})
	if w[0] != 3 || c[0] != 1.5 || r[0] != 7 {
		t.Errorf("series = %v %v %v", w, c, r)
	}
	if ratio(1, 2) != 0.5 || !math.IsNaN(ratio(1, 0)) || !math.IsNaN(ratio(math.NaN(), 1)) {
		t.Error("ratio")
	}
}

// The spawner's ru_maxrss floor must stay far below any runtime's RSS, and
// its figures must parse: run /bin/true through it.
func TestSpawner(t *testing.T) {
	dir := t.TempDir()
	sp, err := buildSpawner(dir)
	if err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	old, oldDir := spawner, outDir
	spawner, outDir = sp, dir
	t.Cleanup(func() { spawner, outDir = old, oldDir })
	s, err := measure(dir, "/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if s.Wall <= 0 || s.MaxRSSKB <= 0 || s.MaxRSSKB > 3000 {
		t.Errorf("sample of /bin/true via spawner = %+v, want wall > 0 and 0 < maxrss <= 3000 KB", s)
	}
	if _, err := measure(dir, "/bin/false"); err == nil {
		t.Error("failing command reported no error")
	}
}
