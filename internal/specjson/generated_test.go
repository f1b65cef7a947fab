package specjson

import (
	"bytes"
	"os"
	"testing"

	"github.com/hull-runtime/hull/internal/specjson/internal/specgen"
)

// TestGeneratedUpToDate fails when zz_generated.go is not what the
// generator writes for the runtime-spec version in go.mod (after a
// runtime-spec upgrade or a generator change): run `go generate
// ./internal/specjson`.
func TestGeneratedUpToDate(t *testing.T) {
	want, err := specgen.Generate()
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	// Written out too, so a failure can be diffed by hand.
	tmp := t.TempDir() + "/zz_generated.go"
	if err := os.WriteFile(tmp, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("zz_generated.go is stale: run go generate ./internal/specjson (diff zz_generated.go %s)", tmp)
	}
}
