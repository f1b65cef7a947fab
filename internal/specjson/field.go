package specjson

import (
	"bytes"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SpecField carries a *specs.Spec inside a struct that encoding/json handles
// (hull's init config, state.json): it marshals and unmarshals through the
// generated code, so encoding/json's reflection never walks the spec's types.
// Use it in a wire struct that shadows the Spec field, e.g.
//
//	type wire struct {
//		*configAlias                      // has Spec *specs.Spec `json:"spec"`
//		Spec SpecField `json:"spec"` // depth 0: wins over the embedded one
//	}
type SpecField struct{ Spec *specs.Spec }

// MarshalJSON encodes the spec, or null.
func (f SpecField) MarshalJSON() ([]byte, error) {
	if f.Spec == nil {
		return []byte("null"), nil
	}
	return AppendSpec(nil, f.Spec), nil
}

// UnmarshalJSON decodes the spec; null leaves it nil.
func (f *SpecField) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var s specs.Spec
	if err := UnmarshalSpec(b, &s); err != nil {
		return err
	}
	f.Spec = &s
	return nil
}
