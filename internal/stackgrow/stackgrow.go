// Package stackgrow grows the calling goroutine's stack to its working size
// at once, while the stack is shallow.
//
// A goroutine starts with a 2 KB stack, and the runtime doubles it whenever
// a call would overflow it: a new stack, the old one copied, and every frame
// on it adjusted, which walks the frames through the binary's pclntab. In a
// `hull run` that happened five times (a debug runtime printing each
// newstack): the main goroutine 2->4->8->16 KB, the last two deep in the
// cgroup and spec code, and the set-up thread's goroutine 2->4->8 KB in the
// rootfs code. Growing once, near the top of each goroutine, copies a frame
// or two; measured with bench/ab.py (n=600, interleaved), about 1 % of a
// run's CPU (docs/performance.md, seventh round). Stacks are not shrunk
// (hull runs without GC) and a stack's untouched pages are never faulted
// in, so the headroom costs address space, not memory.
package stackgrow

// The frames below are sized so that the runtime's doubling stops at the
// named size: it doubles until the frame fits below what is in use.

// To32K grows the stack to 32 KB. i is any value; it keeps the frame from
// being optimised away.
//
//go:noinline
func To32K(i int) byte {
	var buf [24 << 10]byte
	buf[i&1023] = byte(i)
	return buf[(i*7)&1023]
}

// To16K grows the stack to 16 KB.
//
//go:noinline
func To16K(i int) byte {
	var buf [12 << 10]byte
	buf[i&1023] = byte(i)
	return buf[(i*7)&1023]
}
