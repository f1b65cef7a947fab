package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

// chartCases are the per-command cases drawn, in this order.
var chartCases = []string{"run", "create", "start", "delete", "exec", "podman-run", "podman-exec", "cgroupns-run"}

var runtimeColors = map[string]color.RGBA{
	"hull":  {0xe0, 0x6c, 0x1f, 0xff},
	"runc":  {0x3b, 0x6e, 0xb5, 0xff},
	"crun":  {0x3c, 0x9a, 0x4e, 0xff},
	"floor": {0x99, 0x99, 0x99, 0xff},
}

var (
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	black = color.RGBA{0x20, 0x20, 0x20, 0xff}
	grid  = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
)

// writeChart draws two panels (median wall ms, median CPU ms), one group of
// bars per case and one bar per runtime, with p10-p90 whiskers.
func writeChart(p string, r *results) error {
	var cases []string
	for _, c := range chartCases {
		if contains(r.caseSeen, c) {
			cases = append(cases, c)
		}
	}
	var rts []string
	var all []string
	for _, e := range r.Entries {
		if !contains(all, e.Runtime) {
			all = append(all, e.Runtime)
		}
	}
	for _, rt := range all {
		for _, e := range r.Entries {
			if e.Runtime == rt && contains(cases, e.Case) {
				rts = append(rts, rt)
				break
			}
		}
	}
	const width, panelH, top = 1000, 300, 60
	img := image.NewRGBA(image.Rect(0, 0, width, top+2*panelH+40))
	fillRect(img, 0, 0, width, img.Bounds().Dy(), white)
	drawText(img, 20, 12, "hull vs runc vs crun: median (p10-p90), lower is better", 2, black)
	lx := 20
	for _, rt := range rts {
		fillRect(img, lx, 38, 14, 14, colorOf(rt))
		drawText(img, lx+20, 38, rt, 2, black)
		lx += 40 + textWidth(rt, 2)
	}
	pick := []func(*entry) *summary{
		func(e *entry) *summary { return e.Wall },
		func(e *entry) *summary { return e.CPU },
	}
	titles := []string{"wall ms", "cpu ms"}
	for i := range pick {
		drawPanel(img, image.Rect(70, top+i*panelH+20, width-20, top+(i+1)*panelH-10), titles[i], cases, rts, r, pick[i])
	}
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", p, err)
	}
	return nil
}

func drawPanel(img *image.RGBA, area image.Rectangle, title string, cases, rts []string, r *results, pick func(*entry) *summary) {
	plot := image.Rect(area.Min.X, area.Min.Y+14, area.Max.X, area.Max.Y-18)
	drawText(img, area.Min.X-60, area.Min.Y-4, title, 1, black)
	// The scale follows the p90s, but one outlier may not squash every
	// bar: above twice the largest median, whiskers are clipped.
	top, topMed := 0.0, 0.0
	for _, c := range cases {
		for _, rt := range rts {
			if e := r.find(c, rt); e != nil && pick(e) != nil {
				top = math.Max(top, pick(e).P90)
				topMed = math.Max(topMed, pick(e).Median)
			}
		}
	}
	top = math.Min(top, 2*topMed)
	step := niceStep(top / 5)
	if step <= 0 {
		step = 1
	}
	top = math.Ceil(top/step) * step
	y := func(v float64) int {
		return plot.Max.Y - int(math.Round(math.Min(v, top)/top*float64(plot.Dy())))
	}
	for v := 0.0; v <= top+step/2; v += step {
		fillRect(img, plot.Min.X, y(v), plot.Dx(), 1, grid)
		label := fmt.Sprintf("%g", v)
		drawText(img, plot.Min.X-8-textWidth(label, 1), y(v)-3, label, 1, black)
	}
	fillRect(img, plot.Min.X, plot.Min.Y, 1, plot.Dy(), black)
	fillRect(img, plot.Min.X, plot.Max.Y, plot.Dx(), 1, black)
	if len(cases) == 0 || len(rts) == 0 {
		return
	}
	groupW := plot.Dx() / len(cases)
	barW := (groupW - 20) / len(rts)
	for gi, c := range cases {
		gx := plot.Min.X + gi*groupW + 10
		drawText(img, gx+(groupW-20-textWidth(c, 1))/2, plot.Max.Y+6, c, 1, black)
		for bi, rt := range rts {
			e := r.find(c, rt)
			if e == nil || pick(e) == nil {
				continue
			}
			s := pick(e)
			bx := gx + bi*barW
			fillRect(img, bx+1, y(s.Median), barW-2, plot.Max.Y-y(s.Median), colorOf(rt))
			// p10-p90 whisker
			mid := bx + barW/2
			fillRect(img, mid, y(s.P90), 1, y(s.P10)-y(s.P90)+1, black)
			fillRect(img, mid-3, y(s.P90), 7, 1, black)
			fillRect(img, mid-3, y(s.P10), 7, 1, black)
			label := fmt.Sprintf("%.1f", s.Median)
			drawText(img, bx+(barW-textWidth(label, 1))/2, y(s.P90)-10, label, 1, black)
		}
	}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// colorOf gives the known runtimes fixed colours and any -extra one purple.
func colorOf(rt string) color.RGBA {
	if c, ok := runtimeColors[rt]; ok {
		return c
	}
	return color.RGBA{0x8e, 0x44, 0xad, 0xff}
}
