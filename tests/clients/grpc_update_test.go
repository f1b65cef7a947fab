package clients

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ctr 1.6 has no "task update" verb, so the tests call the Tasks.Update RPC
// themselves. containerd's Go client would pull a large dependency tree into
// the module for one call; a unary gRPC call is small enough to speak by
// hand: HTTP/2 without TLS (net/http's unencrypted HTTP/2 support) over the
// unix socket, one length-prefixed protobuf message each way.

// resourcesTypeURL is how containerd's typeurl registry names
// specs.LinuxResources (registered as JSON, not protobuf); the runc.v2
// shim decodes it and pipes it to `runtime update --resources -`.
const resourcesTypeURL = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

// updateTask sends containerd.services.tasks.v1.Tasks/Update for id.
func updateTask(ctx context.Context, sock, ns, id string, res *specs.LinuxResources) error {
	value, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("marshal resources: %w", err)
	}
	// UpdateTaskRequest{container_id = 1; google.protobuf.Any resources = 2}
	// with Any{type_url = 1; value = 2}.
	anyMsg := append(protoBytes(1, []byte(resourcesTypeURL)), protoBytes(2, value)...)
	msg := append(protoBytes(1, []byte(id)), protoBytes(2, anyMsg)...)
	frame := make([]byte, 5, 5+len(msg)) // uncompressed flag, big-endian length
	binary.BigEndian.PutUint32(frame[1:], uint32(len(msg)))
	frame = append(frame, msg...)

	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{
		Protocols: &protos,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://containerd/containerd.services.tasks.v1.Tasks/Update", bytes.NewReader(frame))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	req.Header.Set("containerd-namespace", ns) // containerd's namespace metadata key
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("Tasks/Update: %w", err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("read Tasks/Update response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("Tasks/Update: HTTP %s", resp.Status)
	}
	// An error may come as a trailers-only response (status in headers).
	status, message := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
	if status == "" {
		status, message = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	if status != "0" {
		return fmt.Errorf("Tasks/Update: grpc status %q: %s", status, message)
	}
	return nil
}

// protoBytes encodes a length-delimited protobuf field (wire type 2).
func protoBytes(field int, b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(field<<3|2))
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

// TestProtoBytes pins the hand-written encoding to protobuf's wire format.
func TestProtoBytes(t *testing.T) {
	got := protoBytes(1, []byte("ab"))
	if want := []byte{0x0a, 0x02, 'a', 'b'}; !bytes.Equal(got, want) {
		t.Errorf("field 1 \"ab\": got % x, want % x", got, want)
	}
	long := bytes.Repeat([]byte{'x'}, 300) // length needs a two-byte varint
	got = protoBytes(2, long)
	if want := []byte{0x12, 0xac, 0x02}; !bytes.Equal(got[:3], want) || len(got) != 303 {
		t.Errorf("field 2 of 300 bytes: got prefix % x len %d", got[:3], len(got))
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("read %s: %v", path, err)
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("parse %s: %v", path, err)
	}
	return m
}

// withTimeout is a context for one RPC.
func withTimeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
