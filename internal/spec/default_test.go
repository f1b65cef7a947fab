package spec

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runcSpec runs the installed runc's `spec` in a temp dir and returns the
// decoded JSON as generic maps, so that every field (also ones specs-go might
// not know) is compared.
func runcSpec(t *testing.T, rootless bool) map[string]any {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/runc"); err2 != nil {
			t.Skip("runc not installed")
		}
		runc = "/usr/sbin/runc"
	}
	dir := t.TempDir()
	args := []string{"spec", "--bundle", dir}
	if rootless {
		args = append(args, "--rootless")
	}
	if out, err := exec.Command(runc, args...).CombinedOutput(); err != nil {
		t.Fatalf("runc %v: %v: %s", args, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func toMap(t *testing.T, s *specs.Spec) map[string]any {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDefaultMatchesRunc(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		t.Run(map[bool]string{false: "root", true: "rootless"}[rootless], func(t *testing.T) {
			want := runcSpec(t, rootless)
			d := Default(rootless)
			if d.Hostname != "hull" {
				t.Errorf("hostname = %q, want hull", d.Hostname)
			}
			if d.Version != specs.Version {
				t.Errorf("ociVersion = %q, want %q", d.Version, specs.Version)
			}
			got := toMap(t, d)
			// Only the names differ from runc.
			for _, k := range []string{"hostname", "ociVersion"} {
				delete(got, k)
				delete(want, k)
			}
			for k := range want {
				if !reflect.DeepEqual(got[k], want[k]) {
					g, _ := json.MarshalIndent(got[k], "", " ")
					w, _ := json.MarshalIndent(want[k], "", " ")
					t.Errorf("field %q differs from runc spec:\n got: %s\nwant: %s", k, g, w)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("field %q is not in runc spec", k)
				}
			}
		})
	}
}

func TestDefaultIsFreshCopy(t *testing.T) {
	a := Default(false)
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[0].Destination = "/x"
	b := Default(false)
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Mounts[0].Destination != "/proc" {
		t.Fatal("Default shares state between calls")
	}
	if b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" {
		t.Fatal("capability sets share one backing array")
	}
}

func TestDefaultRootlessMapsCaller(t *testing.T) {
	d := Default(true)
	if got := d.Linux.UIDMappings[0].HostID; got != uint32(os.Geteuid()) {
		t.Errorf("uid map host id = %d, want euid %d", got, os.Geteuid())
	}
	if got := d.Linux.GIDMappings[0].HostID; got != uint32(os.Getegid()) {
		t.Errorf("gid map host id = %d, want egid %d", got, os.Getegid())
	}
	for _, ns := range d.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			t.Error("rootless spec keeps a network namespace")
		}
	}
}

func TestWriteAndLoadRoundTrip(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		bundle := t.TempDir()
		if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
			t.Fatal(err)
		}
		want := Default(rootless)
		if err := Write(bundle, want); err != nil {
			t.Fatalf("Write: %v", err)
		}
		data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "{\n\t\"ociVersion\": ") {
			t.Errorf("config.json is not tab-indented like runc: %.40q", data)
		}
		got, err := Load(bundle)
		if err != nil {
			t.Fatalf("Load of written default (rootless=%v): %v", rootless, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip changed the spec (rootless=%v)", rootless)
		}
	}
}

func TestWriteRefusesExisting(t *testing.T) {
	bundle := t.TempDir()
	p := filepath.Join(bundle, "config.json")
	if err := os.WriteFile(p, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(bundle, Default(false))
	if err == nil || err.Error() != "File config.json exists. Remove it first" {
		t.Fatalf("Write over existing file: err = %v", err)
	}
	if data, _ := os.ReadFile(p); string(data) != "keep" {
		t.Fatal("existing config.json was modified")
	}
}

func TestWriteNil(t *testing.T) {
	if err := Write(t.TempDir(), nil); err == nil {
		t.Fatal("Write(nil) succeeded")
	}
}
