package testutil

import (
	"encoding/json"
	"testing"
	"time"
)

// StateJSON is the output of `state ID` (OCI state plus runc's extras).
type StateJSON struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     string            `json:"created"`
	Owner       *string           `json:"owner"`
	Annotations map[string]string `json:"annotations"`
}

// State runs `state id` and fails the test unless it succeeds with JSON.
func State(t testing.TB, root, id string) StateJSON {
	t.Helper()
	r := MustOK(t, Hull(t, root, "state", id))
	var s StateJSON
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil {
		t.Fatalf("state %s: invalid JSON %q: %v", id, r.Stdout, err)
	}
	return s
}

// WaitStatus polls `state id` until it reports status or timeout passes.
func WaitStatus(t testing.TB, root, id, status string, timeout time.Duration) StateJSON {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := State(t, root, id)
		if s.Status == status {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: status %q after %v, want %q", id, s.Status, timeout, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
