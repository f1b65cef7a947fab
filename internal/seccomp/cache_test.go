//go:build cgo

package seccomp

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func cacheProfile(name string) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"read", "write", name}, Action: specs.ActAllow}},
	}
}

// cacheEntries lists the cache's files (temporary ones would show too).
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// tamper rewrites the first instruction's k of the entry at path, keeping
// its key, so a test can tell a program read from the cache from a fresh one.
func tamper(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	klen := int(binary.LittleEndian.Uint32(data))
	insn := 4 + klen + 13 // key, then flags, notify, count
	binary.LittleEndian.PutUint32(data[insn+4:], 0xdead)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCacheStoresAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c := Cache{Dir: dir}
	fresh, err := Prepare(cacheProfile("getpid"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Prepare(cacheProfile("getpid"))
	if err != nil || !reflect.DeepEqual(got, fresh) {
		t.Fatalf("first Prepare through the cache = %v, %v; want the compiled program", got, err)
	}
	names := cacheEntries(t, dir)
	if len(names) != 1 {
		t.Fatalf("cache holds %v, want one entry", names)
	}
	if st, err := os.Stat(filepath.Join(dir, names[0])); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("entry mode %v, %v; want 0600", st.Mode(), err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir mode %v, %v; want 0700", st.Mode(), err)
	}
	// The second Prepare reads the entry (a changed program shows it).
	tamper(t, filepath.Join(dir, names[0]))
	got, err = c.Prepare(cacheProfile("getpid"))
	if err != nil || got.prog[0].K != 0xdead {
		t.Fatalf("second Prepare did not use the cached entry: %v", err)
	}
	// Another profile is another entry.
	if _, err := c.Prepare(cacheProfile("getppid")); err != nil {
		t.Fatal(err)
	}
	if names := cacheEntries(t, dir); len(names) != 2 {
		t.Fatalf("cache holds %v after a second profile, want two entries", names)
	}
}

// TestCacheRefusesUntrustedEntries: an entry others may write, one in a
// directory others may write, a symlink, or one whose key is another
// profile's is not used: the program is compiled afresh.
func TestCacheRefusesUntrustedEntries(t *testing.T) {
	fresh, err := Prepare(cacheProfile("getpid"))
	if err != nil {
		t.Fatal(err)
	}
	setup := func(t *testing.T) (Cache, string) {
		dir := filepath.Join(t.TempDir(), "cache")
		c := Cache{Dir: dir}
		if _, err := c.Prepare(cacheProfile("getpid")); err != nil {
			t.Fatal(err)
		}
		entry := filepath.Join(dir, cacheEntries(t, dir)[0])
		tamper(t, entry)
		return c, entry
	}
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, c Cache, entry string)
	}{
		{"world-writable entry", func(t *testing.T, c Cache, entry string) { os.Chmod(entry, 0o666) }},
		{"group-writable dir", func(t *testing.T, c Cache, entry string) { os.Chmod(c.Dir, 0o770) }},
		{"symlinked entry", func(t *testing.T, c Cache, entry string) {
			target := entry + ".real"
			if err := os.Rename(entry, target); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, entry); err != nil {
				t.Fatal(err)
			}
		}},
		{"key of another profile", func(t *testing.T, c Cache, entry string) {
			// The tampered entry of getpid's profile, under getppid's name.
			key, _ := cacheKey(cacheProfile("getppid"))
			if err := os.Rename(entry, filepath.Join(c.Dir, cacheName(key))); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, entry := setup(t)
			tc.spoil(t, c, entry)
			want := fresh
			if tc.name == "key of another profile" {
				if want, err = Prepare(cacheProfile("getppid")); err != nil {
					t.Fatal(err)
				}
				got, err := c.Prepare(cacheProfile("getppid"))
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("Prepare used an entry with another key: %v", err)
				}
				return
			}
			got, err := c.Prepare(cacheProfile("getpid"))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Prepare used an untrusted entry: %v", err)
			}
		})
	}
}

func TestFilterBinaryRoundTrip(t *testing.T) {
	f, err := Prepare(cacheProfile("getpid"))
	if err != nil {
		t.Fatal(err)
	}
	f.notify = true
	raw, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalFilter(raw)
	if err != nil || !reflect.DeepEqual(back, f) {
		t.Fatalf("round trip = %+v, %v; want %+v", back, err, f)
	}
	for _, bad := range [][]byte{nil, raw[:12], raw[:len(raw)-1], append(raw[:len(raw):len(raw)], 0)} {
		if _, err := UnmarshalFilter(bad); err == nil {
			t.Errorf("UnmarshalFilter accepted %d bytes of a %d-byte encoding", len(bad), len(raw))
		}
	}
}
