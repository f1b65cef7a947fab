package main

import (
	"math"
	"sort"
	"time"
)

// summary is the distribution of one figure over the samples of a case.
type summary struct {
	Median float64 `json:"median"`
	P10    float64 `json:"p10"`
	P90    float64 `json:"p90"`
	N      int     `json:"n"`
}

// percentile uses linear interpolation between closest ranks (the common
// "type 7" definition), so p50 of an even count is the mean of the middle
// two. It does not modify xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo == hi {
		return s[lo]
	}
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

func summarize(xs []float64) summary {
	return summary{Median: percentile(xs, 50), P10: percentile(xs, 10), P90: percentile(xs, 90), N: len(xs)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// series splits samples into wall ms, CPU ms and max RSS KB.
func series(ss []sample) (wall, cpu, rss []float64) {
	for _, s := range ss {
		wall = append(wall, ms(s.Wall))
		cpu = append(cpu, ms(s.CPU))
		rss = append(rss, float64(s.MaxRSSKB))
	}
	return wall, cpu, rss
}

// ratio is a/b, or NaN (JSON null) when b is zero or missing.
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}
