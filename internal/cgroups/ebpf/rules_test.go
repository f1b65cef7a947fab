package ebpf

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

func allow(typ string, maj, min *int64, acc string) specs.LinuxDeviceCgroup {
	return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: maj, Minor: min, Access: acc}
}

func deny(typ string, maj, min *int64, acc string) specs.LinuxDeviceCgroup {
	return specs.LinuxDeviceCgroup{Allow: false, Type: typ, Major: maj, Minor: min, Access: acc}
}

func TestEmulate(t *testing.T) {
	cases := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		want  Ruleset
	}{
		{"empty is deny all", nil, Ruleset{}},
		{"runc default: deny all then allow",
			[]specs.LinuxDeviceCgroup{deny("", nil, nil, "rwm"), allow("c", i64(1), i64(3), "rwm")},
			Ruleset{Exceptions: []Rule{{'c', 1, 3, accAll}}}},
		{"allow all drops exceptions",
			[]specs.LinuxDeviceCgroup{allow("c", i64(1), i64(3), "r"), allow("a", nil, nil, "")},
			Ruleset{DefaultAllow: true}},
		{"a with numbers is still whole-behaviour (kernel ignores the rest)",
			[]specs.LinuxDeviceCgroup{allow("a", i64(1), i64(3), "r")},
			Ruleset{DefaultAllow: true}},
		{"allow all then deny one",
			[]specs.LinuxDeviceCgroup{allow("a", nil, nil, "rwm"), deny("c", i64(1), i64(3), "w")},
			Ruleset{DefaultAllow: true, Exceptions: []Rule{{'c', 1, 3, accWrite}}}},
		{"same key merges access",
			[]specs.LinuxDeviceCgroup{allow("c", i64(1), i64(3), "r"), allow("c", i64(1), i64(3), "w")},
			Ruleset{Exceptions: []Rule{{'c', 1, 3, accRead | accWrite}}}},
		{"later deny strips bits of the same key",
			[]specs.LinuxDeviceCgroup{allow("c", i64(1), i64(3), "rwm"), deny("c", i64(1), i64(3), "w")},
			Ruleset{Exceptions: []Rule{{'c', 1, 3, accRead | accMknod}}}},
		{"deny of every bit removes the exception",
			[]specs.LinuxDeviceCgroup{allow("c", i64(1), i64(3), "rw"), deny("c", i64(1), i64(3), "rwm")},
			Ruleset{Exceptions: []Rule{}}},
		{"deny does not punch a hole in a wildcard",
			[]specs.LinuxDeviceCgroup{allow("c", i64(1), nil, "rwm"), deny("c", i64(1), i64(3), "rwm")},
			Ruleset{Exceptions: []Rule{{'c', 1, Wildcard, accAll}}}},
		{"-1 is a wildcard",
			[]specs.LinuxDeviceCgroup{allow("b", i64(-1), i64(-1), "m")},
			Ruleset{Exceptions: []Rule{{'b', Wildcard, Wildcard, accMknod}}}},
	}
	for _, c := range cases {
		got, err := Emulate(c.rules)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(got.Exceptions) == 0 && len(c.want.Exceptions) == 0 {
			got.Exceptions, c.want.Exceptions = nil, nil
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestEmulateRejects(t *testing.T) {
	bad := []specs.LinuxDeviceCgroup{
		{Type: "x"},
		{Type: "c", Access: "rwx"},
		{Type: "c", Access: "rr"},
		{Type: "c", Major: i64(-5)},
		{Type: "c", Minor: i64(1 << 40)},
	}
	for _, r := range bad {
		if _, err := Emulate([]specs.LinuxDeviceCgroup{r}); err == nil {
			t.Errorf("rule %+v accepted", r)
		}
	}
}

func TestRuleString(t *testing.T) {
	if s := (Rule{'c', 1, Wildcard, accRead | accMknod}).String(); s != "c 1:* rm" {
		t.Errorf("String = %q", s)
	}
}
