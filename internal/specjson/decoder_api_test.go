package specjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// wrapper stands for a hull struct that embeds a spec.
type wrapper struct {
	ID     string      `json:"id"`
	Pid    int64       `json:"pid"`
	Owner  uint64      `json:"owner"`
	Paused bool        `json:"paused"`
	Spec   *specs.Spec `json:"spec"`
	Tags   []string    `json:"tags"`
	Extra  any         `json:"extra"`
}

// decodeWrapper decodes by hand with the exported Decoder API, matching
// keys exactly (enough for hull's own files, which hull writes itself).
func decodeWrapper(data []byte, w *wrapper) error {
	d := NewDecoder(data)
	err := d.ReadObject(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			if !d.ReadNull() {
				w.ID, err = d.ReadString()
			}
		case "pid":
			if !d.ReadNull() {
				w.Pid, err = d.ReadInt()
			}
		case "owner":
			if !d.ReadNull() {
				w.Owner, err = d.ReadUint()
			}
		case "paused":
			if !d.ReadNull() {
				w.Paused, err = d.ReadBool()
			}
		case "spec":
			if d.ReadNull() {
				w.Spec = nil
				return nil
			}
			if w.Spec == nil {
				w.Spec = new(specs.Spec)
			}
			err = DecodeSpec(d, w.Spec)
		case "tags":
			if d.ReadNull() {
				w.Tags = nil
				return nil
			}
			w.Tags = []string{}
			err = d.ReadArray(func() error {
				s, err := d.ReadString()
				w.Tags = append(w.Tags, s)
				return err
			})
		case "extra":
			var raw []byte
			if raw, err = d.ReadRaw(); err == nil {
				err = json.Unmarshal(raw, &w.Extra)
			}
		default:
			err = d.Skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	return d.Finish()
}

func TestDecoderAPI(t *testing.T) {
	spec, err := json.Marshal(&specs.Spec{Version: "1.3.0", Hostname: "h", Process: &specs.Process{Args: []string{"sh"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		`{"id":"a\u00e9","pid":-5,"owner":7,"paused":true,"spec":` + string(spec) + `,"tags":["x","y"],"extra":{"k":[1,"v"]}}`,
		`{"id":null,"pid":null,"owner":null,"paused":null,"spec":null,"tags":null,"extra":null}`,
		`{"tags":[],"unknown":{"deep":[1,2,{"x":null}]}}`,
		`null`,
		` {} `,
	} {
		var want, got wrapper
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", in, err)
		}
		if err := decodeWrapper([]byte(in), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\nencoding/json %+v\nspecjson      %+v", in, want, got)
		}
	}
	for _, in := range []string{
		`{"id":1}`, `{"pid":"1"}`, `{"pid":1.5}`, `{"owner":-1}`, `{"paused":"yes"}`, `{"spec":[]}`,
		`{"tags":[1]}`, `{"tags":[null]}`, `{"extra":}`, `{"id":"x"} x`, `{"id":"x"`, `[]`, `{"a":1,}`,
	} {
		var got wrapper
		err := decodeWrapper([]byte(in), &got)
		var derr *Error
		if !errors.As(err, &derr) {
			t.Errorf("%s: error %v, want a *specjson.Error", in, err)
		}
	}
	// An error returned by the callback is returned as is and sticks.
	sentinel := errors.New("stop")
	d := NewDecoder([]byte(`{"a":1,"b":2}`))
	calls := 0
	err = d.ReadObject(func(key []byte) error { calls++; return sentinel })
	if err != sentinel || calls != 1 || d.Err() != sentinel || d.Finish() != sentinel {
		t.Errorf("callback error: got %v after %d calls, want %v after 1", err, calls, sentinel)
	}
}

func TestAppendString(t *testing.T) {
	inputs := append([]string{}, fillStrings...)
	var all []byte
	for b := 0; b < 256; b++ {
		all = append(all, byte(b))
		inputs = append(inputs, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"b")
	}
	inputs = append(inputs, string(all), "\u2027\u2028\u2029\u202a", "\xe2\x80", "\xe2\x80\xa8", "\xf4\x90\x80\x80", "")
	for r := rune(0); r < 0x3000; r += 7 {
		inputs = append(inputs, string(r))
	}
	for _, s := range inputs {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got[6:], want)
		}
	}
}

func TestAppendNil(t *testing.T) {
	for _, got := range [][]byte{AppendSpec(nil, nil), AppendState(nil, nil), AppendProcess(nil, nil)} {
		if string(got) != "null" {
			t.Errorf("Append of nil = %s, want null", got)
		}
	}
}

func TestUnmarshalNil(t *testing.T) {
	for _, err := range []error{
		UnmarshalSpec([]byte(`{}`), nil), UnmarshalState([]byte(`{}`), nil), UnmarshalProcess([]byte(`{}`), nil),
	} {
		var ie *json.InvalidUnmarshalError
		if !errors.As(err, &ie) {
			t.Errorf("Unmarshal into nil: %v, want a *json.InvalidUnmarshalError", err)
		}
	}
}

// TestUnmarshalErrorTypes checks that callers get encoding/json's error
// types with their details.
func TestUnmarshalErrorTypes(t *testing.T) {
	var spec specs.Spec
	err := UnmarshalSpec([]byte(`{"process":{"user":{"uid":-1}}}`), &spec)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "process.user.uid" || te.Offset == 0 {
		t.Errorf("type error: %#v", err)
	}
	err = UnmarshalSpec([]byte(`{"process":{`), &spec)
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset != 12 {
		t.Errorf("syntax error: %#v", err)
	}
}
