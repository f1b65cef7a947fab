// Package nsenter holds the C constructor that puts hull's container init into
// its namespaces before the Go runtime starts. Importing it (for its side
// effect) is all the command needs; see nsenter.c.
package nsenter

// #cgo CFLAGS: -Wall -O2
import "C"
