package specjson

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// UnmarshalSpec decodes data into v exactly as encoding/json.Unmarshal
// would. On any error it zeroes v, runs encoding/json.Unmarshal and
// returns its error, so callers keep encoding/json's error types
// (*json.SyntaxError, *json.UnmarshalTypeError with Offset and Field).
// Pass a zero v: on success the result merges into v as encoding/json's
// does, but after an error v holds encoding/json's result on a zero value.
func UnmarshalSpec(data []byte, v *specs.Spec) error {
	if v == nil {
		return json.Unmarshal(data, v)
	}
	d := Decoder{data: data}
	decodeSpec(&d, v)
	d.finish()
	if d.err != nil {
		*v = specs.Spec{}
		return json.Unmarshal(data, v)
	}
	return nil
}

// UnmarshalState is UnmarshalSpec for a container's state.
func UnmarshalState(data []byte, v *specs.State) error {
	if v == nil {
		return json.Unmarshal(data, v)
	}
	d := Decoder{data: data}
	decodeState(&d, v)
	d.finish()
	if d.err != nil {
		*v = specs.State{}
		return json.Unmarshal(data, v)
	}
	return nil
}

// UnmarshalProcess is UnmarshalSpec for a process (hull exec --process).
func UnmarshalProcess(data []byte, v *specs.Process) error {
	if v == nil {
		return json.Unmarshal(data, v)
	}
	d := Decoder{data: data}
	decodeProcess(&d, v)
	d.finish()
	if d.err != nil {
		*v = specs.Process{}
		return json.Unmarshal(data, v)
	}
	return nil
}

// AppendSpec appends the bytes encoding/json.Marshal(v) produces.
func AppendSpec(dst []byte, v *specs.Spec) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	return appendSpec(dst, v)
}

// AppendState appends the bytes encoding/json.Marshal(v) produces.
func AppendState(dst []byte, v *specs.State) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	return appendState(dst, v)
}

// AppendProcess appends the bytes encoding/json.Marshal(v) produces.
func AppendProcess(dst []byte, v *specs.Process) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	return appendProcess(dst, v)
}

// DecodeSpec decodes the next value of d into v (for hand-written decoders
// of structs that embed a spec). Errors are specjson's *Error, not
// encoding/json's; fall back to encoding/json for a user-facing message.
func DecodeSpec(d *Decoder, v *specs.Spec) error {
	decodeSpec(d, v)
	return d.err
}

// DecodeState decodes the next value of d into v; see DecodeSpec.
func DecodeState(d *Decoder, v *specs.State) error {
	decodeState(d, v)
	return d.err
}

// DecodeProcess decodes the next value of d into v; see DecodeSpec.
func DecodeProcess(d *Decoder, v *specs.Process) error {
	decodeProcess(d, v)
	return d.err
}

// AppendSeccomp appends the bytes encoding/json.Marshal(v) produces.
func AppendSeccomp(dst []byte, v *specs.LinuxSeccomp) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	return appendLinuxSeccomp(dst, v)
}
