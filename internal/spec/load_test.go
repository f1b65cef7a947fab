package spec

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// newBundle makes a bundle dir with an empty rootfs and the given config
// bytes (nothing is written when data is nil).
func newBundle(t *testing.T, data []byte) string {
	t.Helper()
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if data != nil {
		if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return bundle
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkErr asserts err is one line that starts with the config path and
// contains every wanted fragment.
func checkErr(t *testing.T, err error, cfg string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.HasPrefix(msg, cfg+": ") {
		t.Errorf("error %q does not start with %q", msg, cfg+": ")
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

func TestLoadJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"empty file", "", []string{"invalid JSON at line 1, column 1", "unexpected end of JSON input"}},
		{"syntax error", "{\n  \"ociVersion\": \"1.0.0\",\n    x\n}", []string{"invalid JSON at line 3, column 5", "invalid character 'x'"}},
		{"type error", "{\n\t\"ociVersion\": \"1.0.0\",\n\t\"process\": {\"args\": \"sh\"}\n}",
			[]string{"process.args: invalid JSON at line 3, column", "cannot use a JSON string as []string"}},
		{"nested type error", "{\"process\": {\"user\": {\"uid\": \"root\"}}}", []string{"process.user.uid:", "uint32"}},
		{"top level not object", "[1]", []string{"(top level)", "array"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBundle(t, []byte(tc.data))
			_, err := Load(b)
			checkErr(t, err, filepath.Join(b, "config.json"), tc.want...)
		})
	}
}

func TestLoadMissingConfig(t *testing.T) {
	b := newBundle(t, nil)
	_, err := Load(b)
	checkErr(t, err, filepath.Join(b, "config.json"), "no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not match fs.ErrNotExist", err)
	}
}

func TestLoadValidationErrors(t *testing.T) {
	intp := func(i int) *int { return &i }
	tests := []struct {
		name   string
		mutate func(s *specs.Spec, bundle string)
		want   []string
	}{
		{"version major 2", func(s *specs.Spec, _ string) { s.Version = "2.0.0" }, []string{`ociVersion "2.0.0" is not supported`}},
		{"version missing", func(s *specs.Spec, _ string) { s.Version = "" }, []string{"ociVersion must be set"}},
		{"version garbage", func(s *specs.Spec, _ string) { s.Version = "latest" }, []string{`ociVersion "latest"`}},
		{"version two parts", func(s *specs.Spec, _ string) { s.Version = "1.0" }, []string{`ociVersion "1.0"`}},
		{"no root", func(s *specs.Spec, _ string) { s.Root = nil }, []string{"root must be set"}},
		{"empty root path", func(s *specs.Spec, _ string) { s.Root.Path = "" }, []string{"root.path must be set"}},
		{"missing rootfs", func(s *specs.Spec, _ string) { s.Root.Path = "nope" }, []string{"root.path: rootfs ", "/nope does not exist"}},
		{"rootfs is a file", func(s *specs.Spec, b string) {
			os.WriteFile(filepath.Join(b, "file"), nil, 0o644)
			s.Root.Path = "file"
		}, []string{"root.path: rootfs ", "is not a directory"}},
		{"no process", func(s *specs.Spec, _ string) { s.Process = nil }, []string{"process must be set"}},
		{"empty args", func(s *specs.Spec, _ string) { s.Process.Args = nil }, []string{"process.args must not be empty"}},
		{"empty argv0", func(s *specs.Spec, _ string) { s.Process.Args = []string{""} }, []string{"process.args[0] must not be empty"}},
		{"NUL in arg", func(s *specs.Spec, _ string) { s.Process.Args = []string{"sh", "a\x00b"} }, []string{"process.args[1] contains a NUL byte"}},
		{"env without name", func(s *specs.Spec, _ string) { s.Process.Env = []string{"=x"} }, []string{"process.env[0]"}},
		{"relative cwd", func(s *specs.Spec, _ string) { s.Process.Cwd = "home" }, []string{`process.cwd "home" must be an absolute path`}},
		{"unknown rlimit", func(s *specs.Spec, _ string) { s.Process.Rlimits[0].Type = "RLIMIT_FOO" }, []string{`process.rlimits[0].type "RLIMIT_FOO" unknown`}},
		{"duplicate rlimit", func(s *specs.Spec, _ string) {
			s.Process.Rlimits = append(s.Process.Rlimits, s.Process.Rlimits[0])
		}, []string{`process.rlimits[1].type "RLIMIT_NOFILE" duplicated`}},
		{"soft above hard", func(s *specs.Spec, _ string) { s.Process.Rlimits[0].Soft = 2048 }, []string{"process.rlimits[0]: soft limit 2048 is above hard limit 1024"}},
		{"unknown cap", func(s *specs.Spec, _ string) { s.Process.Capabilities.Permitted[1] = "CAP_FOO" }, []string{`process.capabilities.permitted[1] "CAP_FOO" unknown`}},
		{"lower-case cap", func(s *specs.Spec, _ string) { s.Process.Capabilities.Ambient[0] = "cap_kill" }, []string{`process.capabilities.ambient[0] "cap_kill" unknown`}},
		{"oom score", func(s *specs.Spec, _ string) { v := 1001; s.Process.OOMScoreAdj = &v }, []string{"process.oomScoreAdj 1001"}},
		{"io priority class", func(s *specs.Spec, _ string) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_FAST"}
		}, []string{`process.ioPriority.class "IOPRIO_CLASS_FAST" unknown`}},
		{"empty mount destination", func(s *specs.Spec, _ string) { s.Mounts[2].Destination = "" }, []string{"mounts[2].destination must be set"}},
		{"relative hook", func(s *specs.Spec, _ string) {
			s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}, {Path: "true"}}}
		}, []string{`hooks.poststop[1].path "true" must be absolute`}},
		{"hook without path", func(s *specs.Spec, _ string) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{}}}
		}, []string{"hooks.createRuntime[0].path must be set"}},
		{"hook zero timeout", func(s *specs.Spec, _ string) {
			s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true", Timeout: intp(0)}}}
		}, []string{"hooks.startContainer[0].timeout 0 must be greater than zero"}},
		{"unknown namespace", func(s *specs.Spec, _ string) { s.Linux.Namespaces[2].Type = "foo" }, []string{`linux.namespaces[2].type "foo" unknown`}},
		{"duplicate namespace", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, []string{`linux.namespaces[5].type "pid" duplicated (also at linux.namespaces[0])`}},
		{"relative namespace path", func(s *specs.Spec, _ string) { s.Linux.Namespaces[1].Path = "proc/1/ns/net" }, []string{`linux.namespaces[1].path "proc/1/ns/net" must be absolute`}},
		{"user ns without mappings", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
		}, []string{"linux.uidMappings must be set for a new user namespace"}},
		{"user ns without gid mappings", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, []string{"linux.gidMappings must be set for a new user namespace"}},
		{"mappings without user ns", func(s *specs.Spec, _ string) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, []string{"linux.uidMappings/gidMappings require a user namespace"}},
		{"zero-size mapping", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{Size: 1}, {ContainerID: 1, HostID: 100000}}
		}, []string{"linux.gidMappings[1].size must be greater than zero"}},
		{"overflowing mapping", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 0xffffff00, Size: 0x1000}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, []string{"linux.uidMappings[0] range overflows"}},
		{"hostname without uts", func(s *specs.Spec, _ string) { s.Linux.Namespaces = s.Linux.Namespaces[:3] }, []string{"hostname requires a UTS namespace"}},
		{"domainname without uts", func(s *specs.Spec, _ string) {
			s.Hostname = ""
			s.Domainname = "example.org"
			s.Linux.Namespaces = s.Linux.Namespaces[:3]
		}, []string{"domainname requires a UTS namespace"}},
		{"time offsets without time ns", func(s *specs.Spec, _ string) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, []string{"linux.timeOffsets requires a new time namespace"}},
		{"time offsets with joined time ns", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time", Path: "/proc/1/ns/time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, []string{"linux.timeOffsets requires a new time namespace"}},
		{"device type", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "x", Major: 1, Minor: 1}}
		}, []string{`linux.devices[0].type "x" unknown`}},
		{"device relative path", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/x", Type: "c", Major: 1, Minor: 1}}
		}, []string{`linux.devices[0].path "dev/x" must be absolute`}},
		{"device without path", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Type: "p"}}
		}, []string{"linux.devices[0].path must be set"}},
		{"device cgroup type", func(s *specs.Spec, _ string) { s.Linux.Resources.Devices[0].Type = "p" }, []string{`linux.resources.devices[0].type "p" unknown`}},
		{"device cgroup access", func(s *specs.Spec, _ string) { s.Linux.Resources.Devices[0].Access = "rwx" }, []string{`linux.resources.devices[0].access "rwx"`}},
		{"net sysctl without netns", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "uts"}}
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, []string{`linux.sysctl["net.ipv4.ip_forward"] is not allowed in the host's network namespace`}},
		{"net sysctl in host netns by path", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces[1].Path = "/proc/self/ns/net"
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, []string{`linux.sysctl["net.ipv4.ip_forward"] is not allowed in the host's network namespace`}},
		{"ipc sysctl without ipc ns", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "uts"}}
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "1"}
		}, []string{`linux.sysctl["kernel.shmmax"] is not allowed in the host's IPC namespace`}},
		{"mqueue sysctl without ipc ns", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "uts"}}
			s.Linux.Sysctl = map[string]string{"fs.mqueue.msg_max": "1"}
		}, []string{`linux.sysctl["fs.mqueue.msg_max"] is not allowed in the host's IPC namespace`}},
		{"host-wide sysctl", func(s *specs.Spec, _ string) {
			s.Linux.Sysctl = map[string]string{"kernel.core_pattern": "|/evil"}
		}, []string{`linux.sysctl["kernel.core_pattern"] is not in a namespace the container owns`}},
		{"hostname sysctl", func(s *specs.Spec, _ string) {
			s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"}
		}, []string{`linux.sysctl["kernel.hostname"] conflicts with the hostname field`}},
		{"domainname sysctl without uts", func(s *specs.Spec, _ string) {
			s.Hostname = ""
			s.Linux.Namespaces = s.Linux.Namespaces[:3]
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, []string{`linux.sysctl["kernel.domainname"] is not in a namespace the container owns`}},
		{"sysctl traversal", func(s *specs.Spec, _ string) {
			s.Linux.Sysctl = map[string]string{"net/../../kernel/core_pattern": "x"}
		}, []string{`linux.sysctl["net/../../kernel/core_pattern"]: malformed key`}},
		{"rootfs propagation", func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "sharde" }, []string{`linux.rootfsPropagation "sharde" unknown`}},
		{"relative masked path", func(s *specs.Spec, _ string) { s.Linux.MaskedPaths[3] = "proc/keys" }, []string{`linux.maskedPaths[3] "proc/keys" must be absolute`}},
		{"relative readonly path", func(s *specs.Spec, _ string) { s.Linux.ReadonlyPaths[0] = "x" }, []string{`linux.readonlyPaths[0] "x" must be absolute`}},
		{"idmapped mount half", func(s *specs.Spec, _ string) {
			s.Mounts[0].UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, []string{"mounts[0]: idmapped mounts need both"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBundle(t, nil)
			s := Default(false)
			tc.mutate(s, b)
			if err := os.WriteFile(filepath.Join(b, "config.json"), mustJSON(t, s), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(b)
			checkErr(t, err, filepath.Join(b, "config.json"), tc.want...)
			// Validate reports the same problem without the file name.
			verr := Validate(s, b)
			if verr == nil || !strings.HasSuffix(err.Error(), verr.Error()) {
				t.Errorf("Validate = %v, Load = %v", verr, err)
			}
		})
	}
}

func TestLoadDeviceNumbersRequired(t *testing.T) {
	tests := []struct {
		dev     string
		wantErr string
	}{
		{`{"path":"/dev/fuse","type":"c","major":10,"minor":229}`, ""},
		{`{"path":"/dev/null","type":"c","major":1,"minor":3}`, ""},
		{`{"path":"/dev/fifo","type":"p"}`, ""},
		{`{"path":"/dev/x","type":"c","minor":3}`, `linux.devices[0].major is required for type "c"`},
		{`{"path":"/dev/x","type":"b","major":8}`, `linux.devices[0].minor is required for type "b"`},
		{`{"path":"/dev/x","type":"u","Major":8,"Minor":0}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.dev, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(mustJSON(t, Default(false)), &m); err != nil {
				t.Fatal(err)
			}
			var dev any
			json.Unmarshal([]byte(tc.dev), &dev)
			m["linux"].(map[string]any)["devices"] = []any{dev}
			b := newBundle(t, mustJSON(t, m))
			_, err := Load(b)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			checkErr(t, err, filepath.Join(b, "config.json"), tc.wantErr)
		})
	}
}

func TestLoadAcceptedVersions(t *testing.T) {
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.2-dev", "1.1.0", "1.1.0-rc.1", "1.2.0", "1.2.1", "1.3.0", "1.3.7+build.5", "1.0.0-rc5-dev"} {
		t.Run(v, func(t *testing.T) {
			s := Default(false)
			s.Version = v
			if _, err := Load(newBundle(t, mustJSON(t, s))); err != nil {
				t.Fatalf("Load: %v", err)
			}
		})
	}
}

func TestLoadAcceptsValidEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *specs.Spec)
		check  func(t *testing.T, s *specs.Spec)
	}{
		{"relative mount destination made absolute", func(s *specs.Spec) { s.Mounts[0].Destination = "proc" },
			func(t *testing.T, s *specs.Spec) {
				if s.Mounts[0].Destination != "/proc" {
					t.Errorf("destination = %q, want /proc", s.Mounts[0].Destination)
				}
			}},
		{"empty cwd", func(s *specs.Spec) { s.Process.Cwd = "" }, nil},
		{"user ns joined by path without mappings", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
		}, nil},
		{"all namespace types", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces,
				specs.LinuxNamespace{Type: "user"}, specs.LinuxNamespace{Type: "cgroup"}, specs.LinuxNamespace{Type: "time"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 5}}
		}, nil},
		{"all capabilities", func(s *specs.Spec) { s.Process.Capabilities.Bounding = capabilityOrder }, nil},
		{"namespaced sysctls", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{
				"net.ipv4.ip_unprivileged_port_start": "0",
				"net/ipv4/conf/eth0.100/forwarding":   "1",
				"kernel.shm_rmid_forced":              "1",
				"fs.mqueue.queues_max":                "10",
				"kernel.domainname":                   "example.org",
			}
		}, nil},
		{"rootfs by absolute path through a symlink", func(s *specs.Spec) {}, nil},
		{"unknown fields ignored", nil, nil},
		{"no linux section", func(s *specs.Spec) { s.Linux = nil; s.Hostname = "" }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Default(false)
			if tc.mutate != nil {
				tc.mutate(s)
			}
			var m map[string]any
			json.Unmarshal(mustJSON(t, s), &m)
			if tc.mutate == nil {
				m["org.example.future"] = map[string]any{"x": 1}
				m["process"].(map[string]any)["newField"] = true
			}
			b := newBundle(t, mustJSON(t, m))
			got, err := Load(b)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}
