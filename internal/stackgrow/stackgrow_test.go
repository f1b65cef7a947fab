package stackgrow

import (
	"testing"
	"unsafe"
)

// deep recurses n times with a 256-byte frame each, about n/4 KB of stack.
//
//go:noinline
func deep(n int) byte {
	var pad [256]byte
	pad[n&255] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deep(n-1) + pad[(n*3)&255]
}

// moved reports whether the goroutine's stack was copied (so moved) while
// grow and then a call needing need KB ran, from a fresh goroutine.
func moved(grow func(int) byte, needKB int) bool {
	res := make(chan bool)
	go func() {
		if grow != nil {
			grow(1)
		}
		var marker int
		before := uintptr(unsafe.Pointer(&marker))
		deep(needKB * 4)
		res <- uintptr(unsafe.Pointer(&marker)) != before
	}()
	return <-res
}

// TestGrownStackStays: after To16K or To32K, work that needs less than that
// runs without the runtime copying the stack; without them it is copied
// (the check can fail).
func TestGrownStackStays(t *testing.T) {
	if !moved(nil, 12) {
		t.Fatal("12 KB of calls on a fresh goroutine did not move its stack: the check cannot see a growth")
	}
	if moved(To16K, 12) {
		t.Error("To16K: the stack still moved for 12 KB of calls")
	}
	if moved(To32K, 28) {
		t.Error("To32K: the stack still moved for 28 KB of calls")
	}
	if !moved(To16K, 28) {
		t.Error("To16K: 28 KB of calls did not move the stack; To16K grew it past 16 KB")
	}
}
