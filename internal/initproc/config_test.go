package initproc

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestConfigJSONRoundTrip: the init config survives the wire with its spec
// (through the generated codec) and every other field (encoding/json), and
// the spec is encoded once, under "spec".
func TestConfigJSONRoundTrip(t *testing.T) {
	in := &Config{
		ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", NoPivot: true, PreserveFds: 2, StateDirFd: 7,
		MountFds: []int{-1, 9}, AppArmor: true, Annotations: map[string]string{"a": "b"},
		State: specs.State{Version: "1.0.2", ID: "c1", Status: specs.StateCreating, Pid: 42},
		Spec: &specs.Spec{Version: "1.0.2", Hostname: "h", Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
			Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}}}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["spec"]; !ok || len(raw) != 11 {
		t.Errorf("wire keys %d: %s", len(raw), b)
	}
	var out Config
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, *in)
	}
	all := *in
	all.NoNewKeyring, all.UserNS, all.NewMountNS, all.Exec, all.StartNow = true, true, true, true, true
	all.Annotations["k\"<"] = "v\n"
	b, _ = json.Marshal(&all)
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&all, &back) {
		t.Errorf("all fields set: %v\n got %+v\nwant %+v", err, back, all)
	}
	var skip Config
	if err := json.Unmarshal([]byte(`{"id":"s","future":{"a":[1,2,{"b":null}]},"exec":true}`), &skip); err != nil || skip.ID != "s" || !skip.Exec {
		t.Errorf("unknown key not skipped: %+v %v", skip, err)
	}
	if err := json.Unmarshal([]byte(`{"id":5}`), &skip); err == nil {
		t.Error("a number for id was accepted")
	}
	var nilSpec Config
	b, _ = json.Marshal(&Config{ID: "x"})
	if err := json.Unmarshal(b, &nilSpec); err != nil || nilSpec.Spec != nil || nilSpec.ID != "x" {
		t.Errorf("nil spec: %+v %v (%s)", nilSpec, err, b)
	}
}
