package procfs

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

const sampleMountinfo = `22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
36 22 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 master:3 - cgroup cgroup rw,cpu,cpuacct
37 22 0:32 /sub\040dir /mnt/with\040space\011tab rw - tmpfs my\134src rw,size=4k
38 22 0:33 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
`

// TestParseMountsMatchesMoby: the fast parser gives what moby/sys/mountinfo
// gives, for this machine's mountinfo and for a sample with escapes and
// several optional fields.
func TestParseMountsMatchesMoby(t *testing.T) {
	real, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"sample": []byte(sampleMountinfo), "self": real} {
		want, err := mountinfo.GetMountsFromReader(bytes.NewReader(data), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseMounts(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			for i := range want {
				if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("%s line %d: got %+v, want %+v", name, i, got[i], want[i])
				}
			}
			t.Fatalf("%s: %d mounts, want %d", name, len(got), len(want))
		}
	}
}

func TestParseMountsFilters(t *testing.T) {
	got, err := ParseMounts([]byte(sampleMountinfo), "cgroup", "cgroup2")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Mountpoint != "/sys/fs/cgroup/cpu,cpuacct" || got[1].FSType != "cgroup2" {
		t.Fatalf("cgroup mounts: %+v", got)
	}
	all, _ := ParseMounts([]byte(sampleMountinfo))
	if m := all[2]; m.Mountpoint != "/mnt/with space\ttab" || m.Root != "/sub dir" || m.Source != `my\src` {
		t.Errorf("escapes: %+v", m)
	}
	if m := all[1]; m.Optional != "shared:12 master:3" {
		t.Errorf("optional fields %q", m.Optional)
	}
}

func TestParseMountsRejectsGarbage(t *testing.T) {
	for _, bad := range []string{"1 2 3\n", "a b 0:1 / / rw - ext4 x rw\n", "1 2 0:1 / / rw - ext4\n", "1 2 01 / / rw - ext4 x rw\n"} {
		if _, err := ParseMounts([]byte(bad)); err == nil {
			t.Errorf("ParseMounts(%q) accepted it", bad)
		}
	}
}

// TestReadAllGrows: a file past the first 8 KB buffer comes back whole.
func TestReadAllGrows(t *testing.T) {
	p := t.TempDir() + "/big"
	want := bytes.Repeat([]byte("0123456789abcdef"), 1500) // 24000 bytes
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("readAll: %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	if _, err := readAll(p + "-missing"); err == nil {
		t.Fatal("readAll of a missing file succeeded")
	}
}

// TestFieldsAndJoin: the allocation-free splitters agree with
// strings.Fields and strings.Join on spaces and tabs.
func TestFieldsAndJoin(t *testing.T) {
	for _, s := range []string{"", "a", "  a  b\tc ", "shared:1 master:2", "a\t\tb  c"} {
		var dst [8]string
		n, rest := fields(s, dst[:])
		if want := strings.Fields(s); !reflect.DeepEqual(dst[:n], want) && !(n == 0 && len(want) == 0) {
			t.Errorf("fields(%q) = %q, want %q", s, dst[:n], want)
		}
		if strings.TrimSpace(rest) != "" {
			t.Errorf("fields(%q) left %q", s, rest)
		}
		if got, want := joinFields(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("joinFields(%q) = %q, want %q", s, got, want)
		}
	}
	var two [2]string
	if n, rest := fields("a b c d", two[:]); n != 2 || rest != " c d" {
		t.Errorf("fields into 2: %d, rest %q", n, rest)
	}
}
