package main

import (
	"reflect"
	"testing"
)

func TestParseArgsRuncForms(t *testing.T) {
	cases := []struct {
		args     []string
		stop     bool
		pos      []string
		bundle   string
		detach   bool
		noReaper bool
	}{
		{[]string{"--bundle", "/b", "id"}, false, []string{"id"}, "/b", false, false},
		{[]string{"-b", "/b", "id"}, false, []string{"id"}, "/b", false, false},
		{[]string{"-bundle=/b", "-d", "id"}, false, []string{"id"}, "/b", true, false},
		{[]string{"id", "--bundle", "/b", "-no-subreaper"}, false, []string{"id"}, "/b", false, true},
		{[]string{"--detach", "--", "-weird-id"}, false, []string{"-weird-id"}, ".", true, false},
		{[]string{"id", "sh", "-c", "echo"}, true, []string{"id", "sh", "-c", "echo"}, ".", false, false},
	}
	for _, c := range cases {
		fs := newFlagSet("t")
		var bundle string
		var detach, noReaper bool
		stringFlag(fs, &bundle, "bundle,b", ".", "")
		boolFlag(fs, &detach, "detach,d", "")
		boolFlag(fs, &noReaper, "no-subreaper", "")
		pos, err := parseArgs(fs, c.args, c.stop)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !reflect.DeepEqual(pos, c.pos) || bundle != c.bundle || detach != c.detach || noReaper != c.noReaper {
			t.Errorf("%v: pos %v bundle %q detach %v noReaper %v", c.args, pos, bundle, detach, noReaper)
		}
	}
}

func TestParseArgsUnknownFlag(t *testing.T) {
	fs := newFlagSet("t")
	if _, err := parseArgs(fs, []string{"--nope", "id"}, false); err == nil {
		t.Fatal("unknown flag accepted")
	}
}
