//go:build !cgo || !linux || !amd64

package oneproc

func injected() bool { return false }

const cgoEnabled = false

func pinnedCPUs() (orig, pinned []byte) { return nil, nil }
