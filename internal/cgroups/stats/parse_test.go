package stats

import (
	"math"
	"reflect"
	"testing"
)

func TestParseUint(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, " 42\n": 42, "max": math.MaxUint64, "-1": 0} {
		got, err := ParseUint(in)
		if err != nil || got != want {
			t.Errorf("ParseUint(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseUint("x"); err == nil {
		t.Error("ParseUint(x) accepted")
	}
}

func TestKeyValues(t *testing.T) {
	got := KeyValues("cache 4096\nrss 8192\nbroken\nodd line here\nmax max\n")
	want := map[string]uint64{"cache": 4096, "rss": 8192, "max": math.MaxUint64}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("KeyValues = %v, want %v", got, want)
	}
}

func TestCPUList(t *testing.T) {
	got, err := CPUList("0-2,5,7-8\n")
	if err != nil || !reflect.DeepEqual(got, []uint16{0, 1, 2, 5, 7, 8}) {
		t.Errorf("CPUList = %v, %v", got, err)
	}
	if got, err := CPUList(""); err != nil || got != nil {
		t.Errorf("CPUList(\"\") = %v, %v", got, err)
	}
	for _, bad := range []string{"a", "3-1", "1-x"} {
		if _, err := CPUList(bad); err == nil {
			t.Errorf("CPUList(%q) accepted", bad)
		}
	}
}

func TestUints(t *testing.T) {
	got, err := Uints("1 2 3 \n")
	if err != nil || !reflect.DeepEqual(got, []uint64{1, 2, 3}) {
		t.Errorf("Uints = %v, %v", got, err)
	}
}
