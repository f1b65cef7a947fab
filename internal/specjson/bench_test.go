package specjson

import (
	"encoding/json"
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Warm (in-process, repeated) speed; TestColdStart measures what matters
// for hull, the first call in a fresh process.
func BenchmarkUnmarshalSpec(b *testing.B) {
	data, err := os.ReadFile(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s specs.Spec
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("specjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s specs.Spec
			if err := UnmarshalSpec(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppendSpec(b *testing.B) {
	data, err := os.ReadFile(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	var s specs.Spec
	if err := UnmarshalSpec(data, &s); err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("specjson", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = AppendSpec(buf[:0], &s)
		}
	})
}
