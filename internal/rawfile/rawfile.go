// Package rawfile opens, reads and writes files with plain syscalls on
// plain descriptors, for the small files every hull command touches:
// config.json, state.json, the state directory's lock, /proc files and
// cgroup control files.
//
// Why not os.File: os.OpenFile makes every descriptor non-blocking and
// offers it to the runtime's poller (fcntl F_GETFL and F_SETFL, then
// epoll_ctl, which regular files refuse, then two more fcntl to undo it),
// the first one creates the poller itself (epoll_create1, an eventfd), and
// every os.File gets a finalizer; os.NewFile costs an fcntl. A `hull run`
// did about 120 of those syscalls (docs/performance.md, seventh round).
// Errors keep os's shape (*fs.PathError), so errors.Is(err, fs.ErrNotExist)
// and messages read as before.
package rawfile

import (
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// FD is an open descriptor. Its Read and Write retry EINTR; it has no
// finalizer, so every FD must be closed.
type FD struct {
	fd   int
	name string
}

// Open opens p with flags (O_CLOEXEC is always added) and perm.
func Open(p string, flags int, perm uint32) (*FD, error) {
	fd, err := OpenFd(p, flags, perm)
	if err != nil {
		return nil, err
	}
	return &FD{fd: fd, name: p}, nil
}

// OpenFd is Open returning the bare descriptor.
func OpenFd(p string, flags int, perm uint32) (int, error) {
	for {
		fd, err := unix.Open(p, flags|unix.O_CLOEXEC, perm)
		if err == nil {
			return fd, nil
		}
		if err != unix.EINTR {
			return -1, &fs.PathError{Op: "open", Path: p, Err: err}
		}
	}
}

// OpenAt opens rel relative to dirfd (unix.AT_FDCWD: the working
// directory); name is the path errors and Name report.
func OpenAt(dirfd int, rel, name string, flags int, perm uint32) (*FD, error) {
	for {
		fd, err := unix.Openat(dirfd, rel, flags|unix.O_CLOEXEC, perm)
		if err == nil {
			return &FD{fd: fd, name: name}, nil
		}
		if err != unix.EINTR {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// Fd returns the descriptor.
func (f *FD) Fd() int { return f.fd }

// Name returns the path it was opened with.
func (f *FD) Name() string { return f.name }

// Close closes it; closing twice is a no-op.
func (f *FD) Close() error {
	if f == nil || f.fd < 0 {
		return nil
	}
	err := unix.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// Read reads once; 0 bytes read at the end of the file is io.EOF.
func (f *FD) Read(b []byte) (int, error) {
	for {
		n, err := unix.Read(f.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes b with one write(2). A short write is an error
// (io.ErrShortWrite), never continued: cgroupfs and procfs parse each
// write(2) as one value, and kernfs cuts a write at a page, so the rest
// written again would be a second, different value.
func (f *FD) Write(b []byte) (int, error) {
	for {
		n, err := unix.Write(f.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "write", Path: f.name, Err: err}
		case n < len(b):
			return n, &fs.PathError{Op: "write", Path: f.name, Err: io.ErrShortWrite}
		}
		return n, nil
	}
}

// WriteString is Write of a string.
func (f *FD) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// ReadFile reads the regular file at p whole, sized by fstat as
// os.ReadFile does.
func ReadFile(p string) ([]byte, error) {
	f, err := Open(p, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 512
	var st unix.Stat_t
	if unix.Fstat(f.fd, &st) == nil && st.Size > 0 && st.Size < 1<<30 {
		size = int(st.Size) + 1
	}
	return f.readAll(make([]byte, 0, size))
}

// ReadProc reads a /proc, /sys or cgroupfs file whole. Those report a size
// of 0 (or 4096) to stat, so no fstat: the buffer starts at size and
// doubles.
func ReadProc(p string, size int) ([]byte, error) {
	f, err := Open(p, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadAll(size)
}

// ReadAll reads from the current offset to the end, into a buffer that
// starts at size bytes and doubles.
func (f *FD) ReadAll(size int) ([]byte, error) { return f.readAll(make([]byte, 0, size)) }

func (f *FD) readAll(b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			// Double: append's growth slows to 1.25x for large slices,
			// and a busy host's mountinfo is hundreds of KB.
			b = append(make([]byte, 0, 2*cap(b)+512), b...)
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// WriteFile writes data to p, opened with flags|O_WRONLY and perm, in one
// write(2) where the kernel takes it whole.
func WriteFile(p string, data []byte, flags int, perm uint32) error {
	f, err := Open(p, flags|unix.O_WRONLY, perm)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
