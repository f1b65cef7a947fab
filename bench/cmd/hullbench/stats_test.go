package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// useSpawner builds the spawner into a temp dir and makes measure use it
// (outputs there too) for the test; it returns the dir.
func useSpawner(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sp, err := buildSpawner(dir)
	if err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	old, oldDir := spawner, outDir
	spawner, outDir = sp, dir
	t.Cleanup(func() { spawner, outDir = old, oldDir })
	return dir
}

// The spawner's ru_maxrss floor must stay far below any runtime's RSS, and
// its figures must parse: run /bin/true through it.
func TestSpawner(t *testing.T) {
	dir := useSpawner(t)
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

// The spawner's batch mode starts every copy, substitutes each copy's index
// for %I, reports each one's figures and failure, and a batch wall time no
// shorter than any copy's.
func TestSpawnerBatch(t *testing.T) {
	dir := useSpawner(t)
	mark := filepath.Join(dir, "mark-")
	wall, ss, errs, err := measureBatch(dir, 4, "/bin/sh", "-c", "echo %I > "+mark+"%I; test %I != 2")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		b, rerr := os.ReadFile(mark + strconv.Itoa(i))
		if rerr != nil || strings.TrimSpace(string(b)) != strconv.Itoa(i) {
			t.Errorf("copy %d wrote %q (%v)", i, b, rerr)
		}
		if (errs[i] != nil) != (i == 2) {
			t.Errorf("copy %d: error %v, want one only for copy 2", i, errs[i])
		}
		if ss[i].Wall <= 0 || ss[i].Wall > wall || ss[i].MaxRSSKB <= 0 {
			t.Errorf("copy %d: %+v against batch wall %v", i, ss[i], wall)
		}
	}
}
