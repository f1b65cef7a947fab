//go:build cgo && linux && amd64

package oneproc

// #cgo CFLAGS: -Wall -O2 -fno-stack-protector
// #cgo LDFLAGS: -Wl,-e,hullentry
// int hull_gomaxprocs_injected(void);
// long hull_cpus(unsigned long *orig, unsigned long *pinned);
import "C"

// injected reports whether hullentry (oneproc_amd64.c) added GOMAXPROCS=1 to the
// runtime's environment.
func injected() bool { return C.hull_gomaxprocs_injected() != 0 }

const cgoEnabled = true

// pinnedCPUs returns the caller's mask and the pinned one, or nil when
// hullentry did not pin the process.
func pinnedCPUs() (orig, pinned []byte) {
	var o, p [16]C.ulong
	n := int(C.hull_cpus(&o[0], &p[0]))
	if n <= 0 || n > len(o)*8 {
		return nil, nil
	}
	return wordsToBytes(o[:], n), wordsToBytes(p[:], n)
}

func wordsToBytes(w []C.ulong, n int) []byte {
	b := make([]byte, 0, len(w)*8)
	for _, x := range w {
		for i := 0; i < 8; i++ {
			b = append(b, byte(uint64(x)>>(8*i)))
		}
	}
	return b[:n]
}
