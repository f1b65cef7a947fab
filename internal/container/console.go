package container

import (
	"fmt"
	"os"

	"github.com/hull-runtime/hull/internal/console"
)

// sendConsole hands the pty master to --console-socket (runc's recvtty
// protocol, which conmon and containerd's shim speak).
func sendConsole(path string, master *os.File) error {
	sock, err := console.Connect(path)
	if err != nil {
		return fmt.Errorf("--console-socket %s: %w", path, err)
	}
	defer sock.Close()
	if err := console.SendMaster(sock, master); err != nil {
		return fmt.Errorf("--console-socket %s: %w", path, err)
	}
	return nil
}
