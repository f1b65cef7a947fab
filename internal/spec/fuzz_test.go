package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// config.json is attacker-controlled input in many deployments (a CI system
// running user-supplied bundles, a CRI plugin translating pod specs). Load and
// Validate must turn every malformed document into one clean error line:
// a panic in `hull create` leaves a half-made container behind, and a
// multi-line error is cut to its last line by containerd and podman.
//
// CI runs it for a bounded time:
//
//	go test ./internal/spec -run '^$' -fuzz '^FuzzLoad$' -fuzztime 20s
//	go test ./internal/spec -run '^$' -fuzz '^FuzzValidate$' -fuzztime 20s
//
// Without -fuzz, `go test` runs every seed below as a regular test.

// fuzzSeeds are documents that reach deep into Validate: the shipped
// default, real-world configs from testdata, and hand-made edge cases.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	def, err := json.Marshal(Default(false))
	if err != nil {
		f.Fatalf("marshal default spec: %v", err)
	}
	seeds = append(seeds, def)
	rootless, err := json.Marshal(Default(true))
	if err != nil {
		f.Fatalf("marshal rootless spec: %v", err)
	}
	seeds = append(seeds, rootless)
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatalf("read seed %s: %v", p, err)
		}
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		``,
		`null`,
		`[]`,
		`{}`,
		`{"ociVersion":"1.0.0"}`,
		`{"ociVersion":"1.0.0","process":null,"root":{"path":"rootfs"}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}},"linux":{"namespaces":[{"type":"user"},{"type":"user"}]}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{"devices":[{"type":"c","path":"/dev/x"}]}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{"uidMappings":[{"containerID":0,"hostID":4294967295,"size":4294967295}]}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{"sysctl":{"net.ipv4.ip_forward":"1","../../etc/passwd":"x"}}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":2}]}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"capabilities":{"bounding":["CAP_NOPE"]}}}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"mounts":[{"destination":"rel","type":"bind","source":"/x","options":["rbind","ro"]}]}`,
		`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"hooks":{"prestart":[{"path":"rel","timeout":-1}]}}`,
		`{"ociVersion":"1.0.0","root":{"path":"../../../"},"process":{"cwd":"/","args":["sh\u0000"]}}`,
		"{\"ociVersion\":\"1.0.0\",\n\"process\": {\"args\": 5}}",
		`{"ociVersion":"1.0.0","linux":{"devices":[{"Type":"b","MAJOR":1}]}}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzLoad feeds arbitrary bytes as config.json to Load.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	bundle := fuzzBundleDir(f)
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		f.Fatal(err)
	}
	cfg := filepath.Join(bundle, ConfigName)
	f.Fuzz(func(t *testing.T, data []byte) {
		// One bundle per worker process is enough: each input replaces
		// the file before Load reads it, and workers are processes.
		if err := os.WriteFile(cfg, data, 0o644); err != nil {
			t.Fatalf("write config: %v", err)
		}
		s, err := Load(bundle)
		if err != nil {
			checkFuzzErr(t, err, cfg+": ")
			return
		}
		if s == nil {
			t.Fatal("Load returned neither a spec nor an error")
		}
		// A spec Load accepted must stay acceptable: hull re-validates
		// the stored spec on exec and must not then reject it.
		if err := Validate(s, bundle); err != nil {
			t.Fatalf("Load accepted a spec that Validate rejects: %v", err)
		}
		for i, m := range s.Mounts {
			if !filepath.IsAbs(m.Destination) && m.Destination != "" {
				t.Fatalf("mounts[%d].destination %q left relative", i, m.Destination)
			}
		}
		if _, err := RootfsPath(bundle, s); err != nil {
			checkFuzzErr(t, err, "")
		}
	})
}

// fuzzBundleDir prefers a tmpfs: rewriting one file on a disk-backed /tmp
// tens of thousands of times a second stalls on writeback (seen as a
// worker stuck in folio_wait_bit and 0 execs/sec).
func fuzzBundleDir(f *testing.F) string {
	f.Helper()
	var st syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &st) == nil && st.Type == 0x01021994 { // TMPFS_MAGIC
		d, err := os.MkdirTemp("/dev/shm", "hull-fuzz-")
		if err == nil {
			f.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return f.TempDir()
}

// FuzzValidate drives Validate and ValidateProcess with structs decoded
// leniently (no Load-level checks), so field combinations Load would stop
// early on still reach the deeper validators.
func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	bundle := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		var s specs.Spec
		if json.Unmarshal(data, &s) != nil {
			return
		}
		if err := Validate(&s, bundle); err != nil {
			checkFuzzErr(t, err, "")
		}
		if s.Process != nil {
			if err := ValidateProcess(s.Process); err != nil {
				checkFuzzErr(t, err, "")
			}
		}
	})
}

// checkFuzzErr is the bad-input contract: one line, not empty, with the
// expected prefix.
func checkFuzzErr(t *testing.T, err error, prefix string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error is not one line: %q", msg)
	}
	if strings.TrimSpace(msg) == "" {
		t.Fatal("empty error message")
	}
	if !strings.HasPrefix(msg, prefix) {
		t.Fatalf("error %q does not start with %q", msg, prefix)
	}
}
