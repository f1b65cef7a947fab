package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0.7, 1}, {3, 5}, {12, 20}, {50, 50}, {0, 0}} {
		if got := niceStep(c.in); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestGlyphsWellFormed(t *testing.T) {
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != 5 {
				t.Errorf("glyph %q row %q is not 5 wide", r, row)
			}
		}
	}
}

func TestDrawTextMarksPixels(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	drawText(img, 0, 0, "1", 1, color.Black)
	// '1' has its stem in column 2 on every row but the last.
	if _, _, _, a := img.At(2, 3).RGBA(); a == 0 {
		t.Error("stem of '1' not drawn")
	}
	if _, _, _, a := img.At(0, 3).RGBA(); a != 0 {
		t.Error("pixel outside the glyph drawn")
	}
}

func TestWriteChart(t *testing.T) {
	r := &results{}
	r.add("run", "hull", []sample{{Wall: 5e6, CPU: 3e6}, {Wall: 7e6, CPU: 4e6}})
	r.add("run", "crun", []sample{{Wall: 6e6, CPU: 2e6}})
	r.add("exec", "hull", []sample{{Wall: 4e6, CPU: 2e6}})
	p := filepath.Join(t.TempDir(), "c.png")
	if err := writeChart(p, r); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	// Some pixel must carry hull's bar colour.
	want := runtimeColors["hull"]
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c, ok := img.At(x, y).(color.RGBA); ok && c == want {
				return
			}
			if r, g, bb, _ := img.At(x, y).RGBA(); uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(bb>>8) == want.B {
				return
			}
		}
	}
	t.Error("no hull-coloured bar in the chart")
}
