package spec

import (
	"sort"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/caps"
)

// capabilityOrder lists every capability hull knows (internal/caps), by
// number. A name the running kernel does not know yet is still valid in a
// config: the runtime skips capabilities above
// /proc/sys/kernel/cap_last_cap, as runc does.
var capabilityOrder = func() []string {
	known := caps.Known()
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return known[names[i]] < known[names[j]] })
	return names
}()

var capabilityNames = setOf(capabilityOrder)

// Rlimits maps the RLIMIT_* names of process.rlimits to setrlimit(2)
// resources: validation here and the container's init use this one table.
var Rlimits = map[string]int{
	"RLIMIT_CPU": unix.RLIMIT_CPU, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_DATA": unix.RLIMIT_DATA,
	"RLIMIT_STACK": unix.RLIMIT_STACK, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK,
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE, "RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME": unix.RLIMIT_RTTIME,
}

// namespaceTypes lists the namespace kinds of the runtime-spec, sorted like
// `runc features` prints them.
var namespaceTypes = []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}

var namespaceNames = setOf(namespaceTypes)

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}
