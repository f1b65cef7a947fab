package procattr

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// From linux/ioprio.h: the class sits above 13 bits of level.
const (
	ioprioClassShift = 13
	ioprioWhoProcess = 1 // IOPRIO_WHO_PROCESS; who 0 is the calling thread
)

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT:   1,
	specs.IOPRIO_CLASS_BE:   2,
	specs.IOPRIO_CLASS_IDLE: 3,
}

// ioprioValue encodes process.ioPriority as ioprio_set(2) wants it.
func ioprioValue(p *specs.LinuxIOPriority) (int, error) {
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return 0, fmt.Errorf("process.ioPriority.class: unknown class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return 0, fmt.Errorf("process.ioPriority.priority: %d is outside 0..7", p.Priority)
	}
	return class<<ioprioClassShift | p.Priority, nil
}

// IOPriority applies process.ioPriority to the calling thread; execve keeps
// it and children inherit it.
func IOPriority(p *specs.LinuxIOPriority) error {
	if p == nil {
		return nil
	}
	v, err := ioprioValue(p)
	if err != nil {
		return err
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(v)); errno != 0 {
		return fmt.Errorf("process.ioPriority: ioprio_set(%s, %d): %w", p.Class, p.Priority, errno)
	}
	return nil
}
