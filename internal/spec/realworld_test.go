package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// otherNetNS returns the path of a network namespace that is not ours, held
// open by a sleeping child the test starts (and kills in cleanup).
func otherNetNS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace needs root")
	}
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child in a new network namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
}

// TestLoadRealWorldConfigs loads configs shaped like those podman (4 and 5),
// containerd's CRI plugin and the runtime-spec 1.0.0 example produce; they
// must load and come back unchanged.
func TestLoadRealWorldConfigs(t *testing.T) {
	netns := otherNetNS(t)
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			bundle := newBundle(t, nil)
			// Absolute rootfs like podman's overlay "merged" dir, through a
			// symlink to check that it is resolved.
			real, _ := filepath.EvalSymlinks(filepath.Join(bundle, "rootfs"))
			link := filepath.Join(bundle, "merged")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			data := strings.ReplaceAll(string(raw), "@ROOTFS@", link)
			data = strings.ReplaceAll(data, "@NETNS@", netns)
			if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Load(bundle)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var want specs.Spec
			if err := json.Unmarshal([]byte(data), &want); err != nil {
				t.Fatal(err)
			}
			normalizeMounts(&want)
			if !reflect.DeepEqual(got, &want) {
				t.Error("Load changed the config")
			}
			root, err := RootfsPath(bundle, got)
			if err != nil {
				t.Fatalf("RootfsPath: %v", err)
			}
			if root != real {
				t.Errorf("RootfsPath = %q, want %q", root, real)
			}
		})
	}
}

func TestRelativeDestinationNormalized(t *testing.T) {
	raw, err := os.ReadFile("testdata/runtime-spec-1.0.0.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(newBundle(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	if s.Mounts[1].Destination != "/dev" {
		t.Errorf("destination = %q, want /dev", s.Mounts[1].Destination)
	}
}

func TestNetSysctlWithOwnNetNSPath(t *testing.T) {
	s := Default(false)
	s.Linux.Namespaces[1].Path = otherNetNS(t)
	s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1024"}
	if err := Validate(s, newBundle(t, nil)); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s.Linux.Namespaces[1].Path = "/nonexistent/ns/net"
	err := Validate(s, newBundle(t, nil))
	if err == nil || !strings.Contains(err.Error(), `linux.sysctl["net.core.somaxconn"]`) {
		t.Fatalf("Validate with missing netns path: %v", err)
	}
}

func TestRootfsPath(t *testing.T) {
	bundle := newBundle(t, nil)
	real, _ := filepath.EvalSymlinks(filepath.Join(bundle, "rootfs"))
	os.Symlink("rootfs", filepath.Join(bundle, "link"))
	tests := []struct {
		path    string
		bundle  string
		want    string
		wantErr string
	}{
		{"rootfs", bundle, real, ""},
		{real, "/elsewhere", real, ""},
		{"link", bundle, real, ""},
		{filepath.Join(bundle, "link"), bundle, real, ""},
		{"missing", bundle, "", "root.path: rootfs " + filepath.Join(bundle, "missing") + " does not exist"},
		{"", bundle, "", "root.path must be set"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			s := &specs.Spec{Root: &specs.Root{Path: tc.path}}
			got, err := RootfsPath(tc.bundle, s)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("RootfsPath = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// A relative bundle is made absolute.
	t.Chdir(filepath.Dir(bundle))
	got, err := RootfsPath(filepath.Base(bundle), &specs.Spec{Root: &specs.Root{Path: "rootfs"}})
	if err != nil || got != real {
		t.Fatalf("relative bundle: %q, %v", got, err)
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, "/"); err == nil {
		t.Fatal("Validate(nil) succeeded")
	}
	if err := ValidateProcess(nil); err == nil {
		t.Fatal("ValidateProcess(nil) succeeded")
	}
}
