package seccomp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/specjson"
)

// Cache keeps compiled filters in a directory of hull's own (under --root),
// so that a profile is compiled once, not once per container and exec.
//
// Why: libseccomp takes about 15 ms of CPU here to compile podman's default
// profile (1159 instructions), more than the rest of a container's start;
// podman, CRI-O and containerd send the same profile for every container.
//
// An entry is used only if its whole key matches byte for byte: the profile
// as JSON, the hull binary (device, inode, size, mtime and ctime of
// /proc/self/exe), libseccomp's version and API level, and the kernel's
// release and version. The file name is only a hash of that key, so a
// collision is a miss, never a wrong program. Entries are written to a
// temporary file and renamed (parallel creates read whole files or none),
// and read only from a directory and files owned by hull's euid that nobody
// else may write. A failure to read or write the cache only costs the
// compilation.
type Cache struct {
	Dir string // "" compiles every time
}

// cacheMagic starts every entry; bump its version when the format or the
// compiler's output for the same key changes.
const cacheMagic = "hull-seccomp-cache 1\n"

// maxCacheEntries bounds the directory (on tmpfs, in memory): beyond it new
// profiles are compiled but not kept.
const maxCacheEntries = 256

// maxCacheFile bounds what a read accepts: a program of 4096 instructions
// plus a large profile.
const maxCacheFile = 4 << 20

// Prepare is the package's Prepare through the cache.
func (c Cache) Prepare(s *specs.LinuxSeccomp) (*Filter, error) {
	if s == nil || c.Dir == "" {
		return Prepare(s)
	}
	key, ok := cacheKey(s)
	if !ok {
		return Prepare(s)
	}
	path := filepath.Join(c.Dir, cacheName(key))
	if f := c.load(path, key); f != nil {
		return f, nil
	}
	f, err := Prepare(s)
	if err != nil {
		return nil, err
	}
	c.store(path, key, f)
	return f, nil
}

// cacheKey is everything the compiled program depends on.
func cacheKey(s *specs.LinuxSeccomp) ([]byte, bool) {
	comp := compilerID()
	var exe, uts = unix.Stat_t{}, unix.Utsname{}
	if comp == "" || unix.Stat("/proc/self/exe", &exe) != nil || unix.Uname(&uts) != nil {
		return nil, false
	}
	k := make([]byte, 0, 4096)
	k = append(k, cacheMagic...)
	k = fmt.Appendf(k, "exe %d:%d %d %d.%d %d.%d\n", exe.Dev, exe.Ino, exe.Size,
		exe.Mtim.Sec, exe.Mtim.Nsec, exe.Ctim.Sec, exe.Ctim.Nsec)
	k = append(k, comp...)
	k = fmt.Appendf(k, "\nkernel %s %s\n", unix.ByteSliceToString(uts.Release[:]), unix.ByteSliceToString(uts.Version[:]))
	return specjson.AppendSeccomp(k, s), true
}

func cacheName(key []byte) string {
	h := fnv.New64a()
	h.Write(key)
	return strconv.FormatUint(h.Sum64(), 16)
}

// load returns the entry at path if it is trustworthy and its key is key.
func (c Cache) load(path string, key []byte) *Filter {
	if !ownedAndPrivate(c.Dir, true) {
		return nil
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || !privateTo(&st) || st.Size > maxCacheFile {
		return nil
	}
	data := make([]byte, st.Size+1)
	n, err := f.Read(data)
	if err != nil || int64(n) != st.Size {
		return nil
	}
	data = data[:n]
	if len(data) < 4 {
		return nil
	}
	klen := int(binary.LittleEndian.Uint32(data))
	if klen != len(key) || len(data) < 4+klen || !bytes.Equal(data[4:4+klen], key) {
		return nil
	}
	flt, err := UnmarshalFilter(data[4+klen:])
	if err != nil {
		return nil
	}
	return flt
}

// store writes an entry; errors are ignored (the cache is an optimisation).
func (c Cache) store(path string, key []byte, f *Filter) {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil || !ownedAndPrivate(c.Dir, true) {
		return
	}
	if names, err := readDirNames(c.Dir); err != nil || len(names) >= maxCacheEntries {
		return
	}
	data := binary.LittleEndian.AppendUint32(nil, uint32(len(key)))
	data = append(data, key...)
	data = appendFilter(data, f)
	tmp, err := os.CreateTemp(c.Dir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(maxCacheEntries + 1)
	if err == io.EOF { // empty
		err = nil
	}
	return names, err
}

// ownedAndPrivate reports whether p (not followed) belongs to hull's euid
// and is writable by nobody else.
func ownedAndPrivate(p string, dir bool) bool {
	var st unix.Stat_t
	if unix.Lstat(p, &st) != nil {
		return false
	}
	if dir != (st.Mode&unix.S_IFMT == unix.S_IFDIR) {
		return false
	}
	return privateTo(&st)
}

func privateTo(st *unix.Stat_t) bool {
	return int(st.Uid) == os.Geteuid() && st.Mode&0o022 == 0
}

// A filter's binary form, for the cache and for the init config: flags
// (uint64), notify (one byte), the instruction count (uint32), then each
// instruction as code (uint16), jt, jf (one byte each) and k (uint32), all
// little-endian.

// MarshalBinary encodes f.
func (f *Filter) MarshalBinary() ([]byte, error) {
	if f == nil {
		return nil, errors.New("seccomp: no filter to encode")
	}
	return appendFilter(make([]byte, 0, 13+8*len(f.prog)), f), nil
}

func appendFilter(b []byte, f *Filter) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(f.flags))
	if f.notify {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.prog)))
	for _, in := range f.prog {
		b = binary.LittleEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.LittleEndian.AppendUint32(b, in.K)
	}
	return b
}

// UnmarshalFilter decodes what MarshalBinary wrote.
func UnmarshalFilter(b []byte) (*Filter, error) {
	if len(b) < 13 || b[8] > 1 {
		return nil, errors.New("seccomp: bad filter encoding")
	}
	f := &Filter{flags: uintptr(binary.LittleEndian.Uint64(b)), notify: b[8] == 1}
	n := int(binary.LittleEndian.Uint32(b[9:]))
	b = b[13:]
	if n == 0 || n > bpfMaxInsns || len(b) != 8*n {
		return nil, fmt.Errorf("seccomp: bad filter encoding (%d instructions in %d bytes)", n, len(b))
	}
	f.prog = make([]unix.SockFilter, n)
	for i := range f.prog {
		in := b[8*i:]
		f.prog[i] = unix.SockFilter{Code: binary.LittleEndian.Uint16(in), Jt: in[2], Jf: in[3], K: binary.LittleEndian.Uint32(in[4:])}
	}
	return f, nil
}
