package initstub

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// copyFromExe fills the memfd from hull's own file, where the embedded
// image lies in a loaded segment, with sendfile: the kernel copies page
// cache to page cache, and the image's 60 KB of rodata are never
// mapped into this process (writing from image faulted them in: 136 KB more
// peak RSS for `create`). It reports false, leaving the memfd empty, when
// the image cannot be found there.
func copyFromExe(fd int) bool {
	exe, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(exe)
	off, ok := imageOffset(exe)
	if !ok {
		return false
	}
	done := 0
	for done < len(image) {
		o := off + int64(done)
		// sendfile, not copy_file_range: that refuses a copy from the
		// binary's filesystem to shmem (EXDEV).
		n, err := unix.Sendfile(fd, exe, &o, len(image)-done)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			break
		}
		done += n
	}
	if done == len(image) && sameEnds(fd) {
		return true
	}
	_ = unix.Ftruncate(fd, 0)
	return false
}

// sameEnds checks the copy against image's first and last bytes: a file
// that is not the running binary would differ there.
func sameEnds(fd int) bool {
	const k = 64
	if len(image) < 2*k {
		return false
	}
	var buf [k]byte
	for _, at := range []int{0, len(image) - k} {
		if n, err := unix.Pread(fd, buf[:], int64(at)); err != nil || n != k || string(buf[:]) != string(image[at:at+k]) {
			return false
		}
	}
	return true
}

// From elf.h; not debug/elf, whose imports (compress/flate, internal/zstd)
// would add to every hull process's text and start-up.
const (
	atPhdr     = 3 // auxiliary vector: the program headers' address
	elfClass64 = 2
	elfData2LE = 1
	etExec     = 2
	etDyn      = 3
	ptLoad     = 1
)

// imageOffset finds image's offset in the executable exe from its program
// headers: the PT_LOAD segment holding image's address maps file offset
// p_offset at p_vaddr, plus the load bias of a position-independent hull
// (where the kernel put the headers, AT_PHDR, less where the file says
// they lie).
func imageOffset(exe int) (int64, bool) {
	var eh [64]byte
	if n, err := unix.Pread(exe, eh[:], 0); err != nil || n != len(eh) || string(eh[:4]) != "\x7fELF" ||
		eh[4] != elfClass64 || eh[5] != elfData2LE {
		return 0, false
	}
	le := binary.LittleEndian
	typ := le.Uint16(eh[16:])
	phoff, phentsize, phnum := le.Uint64(eh[32:]), int(le.Uint16(eh[54:])), int(le.Uint16(eh[56:]))
	if phentsize != 56 || phnum == 0 || phnum > 64 {
		return 0, false
	}
	ph := make([]byte, phentsize*phnum)
	if n, err := unix.Pread(exe, ph, int64(phoff)); err != nil || n != len(ph) {
		return 0, false
	}
	type load struct{ off, vaddr, filesz uint64 }
	var loads []load
	headersAt := uint64(0) // p_vaddr of the segment mapping file offset phoff
	for i := 0; i < phnum; i++ {
		p := ph[i*phentsize:]
		if le.Uint32(p) != ptLoad {
			continue
		}
		l := load{off: le.Uint64(p[8:]), vaddr: le.Uint64(p[16:]), filesz: le.Uint64(p[32:])}
		loads = append(loads, l)
		if phoff >= l.off && phoff < l.off+l.filesz {
			headersAt = l.vaddr + (phoff - l.off)
		}
	}
	bias := uint64(0)
	if typ == etDyn {
		auxv, err := unix.Auxv()
		if err != nil || headersAt == 0 {
			return 0, false
		}
		for _, kv := range auxv {
			if kv[0] == atPhdr {
				bias = uint64(kv[1]) - headersAt
			}
		}
	} else if typ != etExec {
		return 0, false
	}
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(image))))
	end := addr + uint64(len(image))
	for _, l := range loads {
		start := bias + l.vaddr
		if addr >= start && end <= start+l.filesz {
			return int64(l.off + (addr - start)), true
		}
	}
	return 0, false
}
