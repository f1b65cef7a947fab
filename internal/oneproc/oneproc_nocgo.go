//go:build !cgo || !linux || !amd64

package oneproc

func injected() bool { return false }

const cgoEnabled = false
