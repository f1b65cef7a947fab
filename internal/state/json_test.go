package state

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/intelrdt"
)

// TestContainerJSON: state.json written by hand reads back to the same
// container, is what encoding/json would read too (the keys of the struct
// tags), and files with unknown keys or nulls still read.
func TestContainerJSON(t *testing.T) {
	in := &Container{
		ID: "c", Bundle: "/b", Rootfs: "/b/r", Pid: 42, PidStartTime: 1 << 40,
		Created: time.Date(2026, 11, 26, 14, 0, 0, 123456789, time.UTC), Owner: "root",
		Annotations: map[string]string{"a": "<b>"}, Config: &specs.Spec{Version: "1.0.2", Hostname: "h"},
		Cgroup: json.RawMessage(`{"mode":"v1","paths":{"pids":"/sys/fs/cgroup/pids/c"}}`), IntelRdt: &intelrdt.Group{},
		NoPivot: true, NoNewKeyring: true, Rootless: true, SystemdCgroup: true, CgroupDisabled: true,
	}
	b, err := in.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not JSON: %s", b)
	}
	var out Container
	if err := out.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, *in)
	}
	// What encoding/json makes of the same bytes, field by field.
	type plain Container
	var viaJSON plain
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if got := Container(viaJSON); !reflect.DeepEqual(in, &got) {
		t.Errorf("encoding/json reads it differently:\n got %+v\nwant %+v", got, *in)
	}
	var odd Container
	if err := odd.UnmarshalJSON([]byte(`{"id":"x","config":null,"future":[1,{"a":2}],"pid":7,"cgroup":null}`)); err != nil || odd.ID != "x" || odd.Pid != 7 || odd.Config != nil {
		t.Errorf("unknown keys and nulls: %+v %v", odd, err)
	}
	for _, bad := range []string{``, `{"id":`, `{"pid":"x"}`, `{"id":"x"} trailing`} {
		var c Container
		if err := c.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("UnmarshalJSON(%q) accepted it", bad)
		}
	}
}
