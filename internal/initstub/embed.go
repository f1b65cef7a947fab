//go:build hullstub

package initstub

import _ "embed"

// image is the stub program; scripts/build.sh writes stub.bin before it
// builds hull with -tags hullstub.
//
//go:embed stub.bin
var image []byte
