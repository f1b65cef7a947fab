//go:build !hullstub

package initstub

// image is empty: built without scripts/build.sh's stub.
var image []byte
