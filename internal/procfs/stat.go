// Package procfs reads the few /proc facts hull needs about processes.
package procfs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
)

// Stat is the part of /proc/<pid>/stat hull uses.
type Stat struct {
	State     byte   // R, S, D, Z, T, ...
	StartTime uint64 // field 22, clock ticks after boot: identifies a pid across reuse
}

// ReadStat parses /proc/<pid>/stat. The command name may hold spaces and
// parentheses, so fields are counted after the last ')'.
func ReadStat(pid int) (Stat, error) {
	b, err := rawfile.ReadProc("/proc/"+strconv.Itoa(pid)+"/stat", 512)
	if err != nil {
		return Stat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("parse /proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return Stat{}, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	st, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("parse /proc/%d/stat starttime: %w", pid, err)
	}
	return Stat{State: f[0][0], StartTime: st}, nil
}

// Alive reports whether pid still is the process that had startTime, and not
// a zombie.
func Alive(pid int, startTime uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := ReadStat(pid)
	if err != nil {
		return false
	}
	if st.State == 'Z' || st.State == 'X' {
		return false
	}
	return startTime == 0 || st.StartTime == startTime
}
