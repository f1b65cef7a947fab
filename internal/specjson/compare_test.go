package specjson

import (
	"encoding/json"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// codec bundles the generated functions of one root type.
type codec[T any] struct {
	decode    func(*Decoder, *T)
	unmarshal func([]byte, *T) error
	append    func([]byte, *T) []byte
}

var (
	specCodec    = codec[specs.Spec]{decodeSpec, UnmarshalSpec, AppendSpec}
	stateCodec   = codec[specs.State]{decodeState, UnmarshalState, AppendState}
	processCodec = codec[specs.Process]{decodeProcess, UnmarshalProcess, AppendProcess}
)

// differ compares specjson with encoding/json on data, decoding into a
// value made by start (called once per decoder, so each gets its own):
//   - the generated decoder alone (no fallback) fails exactly when
//     encoding/json does, and otherwise gives a DeepEqual value;
//   - the Unmarshal function returns encoding/json's error text and type,
//     and, from a zero start, the same value even on error;
//   - encoding the decoded value gives json.Marshal's bytes.
//
// It returns a description of the first difference, or "".
func differ[T any](c codec[T], data []byte, start func() *T) string {
	want := start()
	werr := json.Unmarshal(data, want)

	got := start()
	d := Decoder{data: data}
	c.decode(&d, got)
	d.finish()
	if (werr == nil) != (d.err == nil) {
		return fmt.Sprintf("generated decoder error %v, encoding/json error %v", d.err, werr)
	}
	if werr == nil && !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("decoded values differ:\nencoding/json: %#v\nspecjson:      %#v", want, got)
	}

	got2 := start()
	aerr := c.unmarshal(data, got2)
	switch {
	case (aerr == nil) != (werr == nil):
		return fmt.Sprintf("Unmarshal error %v, encoding/json error %v", aerr, werr)
	case aerr != nil && (aerr.Error() != werr.Error() || reflect.TypeOf(aerr) != reflect.TypeOf(werr)):
		return fmt.Sprintf("Unmarshal error %T %v, encoding/json error %T %v", aerr, aerr, werr, werr)
	case werr == nil && !reflect.DeepEqual(want, got2):
		return "Unmarshal value differs from encoding/json's"
	}
	var zero T
	if werr != nil && reflect.DeepEqual(*start(), zero) && !reflect.DeepEqual(want, got2) {
		return "after an error, Unmarshal value differs from encoding/json's"
	}

	if werr == nil {
		wantB, err := json.Marshal(want)
		if err != nil {
			return fmt.Sprintf("json.Marshal: %v", err)
		}
		if gotB := c.append(nil, got); string(gotB) != string(wantB) {
			return fmt.Sprintf("encodings differ:\nencoding/json: %s\nspecjson:      %s", wantB, gotB)
		}
	}
	return ""
}

// differAll runs differ for each root type from zero values.
func differAll(data []byte) string {
	if msg := differ(specCodec, data, func() *specs.Spec { return new(specs.Spec) }); msg != "" {
		return "Spec: " + msg
	}
	if msg := differ(stateCodec, data, func() *specs.State { return new(specs.State) }); msg != "" {
		return "State: " + msg
	}
	if msg := differ(processCodec, data, func() *specs.Process { return new(specs.Process) }); msg != "" {
		return "Process: " + msg
	}
	return ""
}
