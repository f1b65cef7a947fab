//go:build cgo && linux && amd64

package oneproc

// #cgo CFLAGS: -Wall -O2 -fno-stack-protector
// #cgo LDFLAGS: -Wl,-e,hullentry
// int hull_gomaxprocs_injected(void);
import "C"

// injected reports whether hullentry (oneproc_amd64.c) added GOMAXPROCS=1 to the
// runtime's environment.
func injected() bool { return C.hull_gomaxprocs_injected() != 0 }

const cgoEnabled = true
