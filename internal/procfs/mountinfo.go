package procfs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/moby/sys/mountinfo"
)

// Mounts reads /proc/self/mountinfo and returns the mounts whose filesystem
// type is one of fstypes (all mounts when none is given), in moby's Info
// type so callers can share code with it.
//
// Why not mountinfo.GetMounts: it locks the goroutine to its OS thread for
// /proc/thread-self (every lock is a thread hand-off in the Go scheduler) and
// splits every line into strings before filtering. hull reads mountinfo in
// every `create` (the host's cgroup hierarchies); /proc/self is right for
// that, from any thread but the set-up thread (see ThreadMounts).
func Mounts(fstypes ...string) ([]*mountinfo.Info, error) {
	data, err := readAll("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return ParseMounts(data, fstypes...)
}

// ThreadMounts is Mounts for the calling thread's mount namespace
// (/proc/thread-self/mountinfo). The caller must be locked to its thread:
// hull's set-up thread (internal/process/thread.go) is in the container's
// new mount namespace while the rest of the process is not, and
// /proc/self/mountinfo shows the thread group leader's.
func ThreadMounts(fstypes ...string) ([]*mountinfo.Info, error) {
	data, err := readAll("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return ParseMounts(data, fstypes...)
}

// readAll reads a procfs file, which stat reports as empty, into a buffer
// that starts at 8 KB and doubles: os.ReadFile starts at 512 bytes and grows
// through every size class on the way to a few KB.
func readAll(path string) ([]byte, error) { return rawfile.ReadProc(path, 8<<10) }

// ParseMounts parses mountinfo text (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	(1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
//
// where (7) is zero or more optional fields ended by "-".
//
// Every string in the result is a substring of one copy of data, and the
// Info values share one slab: two allocations per call instead of six per
// line. hull parses mountinfo twice in every `create`, and in a process
// that lives milliseconds each new allocation size touches a fresh span
// (docs/performance.md, fifth round).
func ParseMounts(data []byte, fstypes ...string) ([]*mountinfo.Info, error) {
	text := string(data)
	lines := strings.Count(text, "\n") + 1
	slab := make([]mountinfo.Info, 0, lines)
	out := make([]*mountinfo.Info, 0, lines)
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if len(line) == 0 {
			continue
		}
		sep := strings.Index(line, " - ")
		if sep < 0 {
			return nil, fmt.Errorf("mountinfo line %q: no separator", line)
		}
		var post [3]string
		if n, _ := fields(line[sep+3:], post[:]); n < 3 {
			return nil, fmt.Errorf("mountinfo line %q: too few fields after the separator", line)
		}
		if len(fstypes) > 0 && !contains(fstypes, post[0]) {
			continue
		}
		var pre [6]string
		n, optional := fields(line[:sep], pre[:])
		if n < 6 {
			return nil, fmt.Errorf("mountinfo line %q: too few fields", line)
		}
		slab = append(slab, mountinfo.Info{FSType: post[0], Source: unescape(post[1]), VFSOptions: post[2]})
		m := &slab[len(slab)-1]
		var err1, err2, err3 error
		m.ID, err1 = strconv.Atoi(pre[0])
		m.Parent, err2 = strconv.Atoi(pre[1])
		maj, min, ok := strings.Cut(pre[2], ":")
		if !ok {
			return nil, fmt.Errorf("mountinfo line %q: bad device %q", line, pre[2])
		}
		m.Major, err3 = strconv.Atoi(maj)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("mountinfo line %q: bad number", line)
		}
		if m.Minor, err1 = strconv.Atoi(min); err1 != nil {
			return nil, fmt.Errorf("mountinfo line %q: bad number", line)
		}
		m.Root = unescape(pre[3])
		m.Mountpoint = unescape(pre[4])
		m.Options = pre[5]
		m.Optional = joinFields(optional)
		out = append(out, m)
	}
	return out, nil
}

// fields splits s at runs of spaces and tabs, as strings.Fields does for
// mountinfo's ASCII, into dst without allocating. It returns how many fields
// it stored (at most len(dst)) and the rest of s after them.
func fields(s string, dst []string) (int, string) {
	n := 0
	for n < len(dst) {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		dst[n] = s[:end]
		s = s[end:]
		n++
	}
	return n, s
}

// joinFields is strings.Join(strings.Fields(s), " "), without allocating
// when s is already single-space separated (as the kernel writes it).
func joinFields(s string) string {
	s = strings.Trim(s, " \t")
	if !strings.Contains(s, "  ") && !strings.ContainsRune(s, '\t') {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unescape undoes the kernel's octal escapes (\040 space, \011 tab, \012
// newline, \134 backslash) in paths.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b = append(b, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
