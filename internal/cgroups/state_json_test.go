package cgroups

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestStateJSONMatchesEncodingJSON: the hand-written codec writes the bytes
// encoding/json writes for State's struct tags, and reads them back.
func TestStateJSONMatchesEncodingJSON(t *testing.T) {
	type plain State // same fields and tags, no methods
	for _, s := range []State{
		{},
		{Mode: Hybrid, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/x", "cpu": `/a"b\c`}, Created: []string{"/sys/fs/cgroup/memory/x"}},
		{Mode: Unified, Paths: map[string]string{}, Created: []string{}, Unwritable: []string{"rdma"}},
	} {
		want, err := json.Marshal(plain(s))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.MarshalJSON()
		if err != nil || string(got) != string(want) {
			t.Errorf("MarshalJSON = %s, %v; encoding/json writes %s", got, err, want)
		}
		var back State
		if err := back.UnmarshalJSON(want); err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("UnmarshalJSON(%s) = %+v, %v; want %+v", want, back, err, s)
		}
	}
	var s State
	if err := s.UnmarshalJSON([]byte(`{"mode":"hybrid","paths":{"cpu":1}}`)); err == nil {
		t.Error("a number as a path was accepted")
	}
	if err := s.UnmarshalJSON([]byte(`{"mode":"hybrid"} x`)); err == nil {
		t.Error("trailing garbage was accepted")
	}
}
