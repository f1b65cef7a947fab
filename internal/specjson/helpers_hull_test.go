package specjson

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestStringMapAndFlags: AppendStringMap writes what json.Marshal writes
// (sorted keys, same escaping), ReadStringMap reads it back, and
// AppendFlags writes only the set flags.
func TestStringMapAndFlags(t *testing.T) {
	m := map[string]string{"b": "2", "a": "<1>", "é\n": "\u2028"}
	want, _ := json.Marshal(m)
	if got := AppendStringMap(nil, m); string(got) != string(want) {
		t.Errorf("AppendStringMap = %s, want %s", got, want)
	}
	if got := AppendStringMap(nil, nil); string(got) != "{}" {
		t.Errorf("nil map = %s", got)
	}
	d := NewDecoder(want)
	back, err := d.ReadStringMap()
	if err != nil || d.Finish() != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("ReadStringMap = %v, %v", back, err)
	}
	if got, err := NewDecoder([]byte("null")).ReadStringMap(); got != nil || err != nil {
		t.Errorf("null = %v, %v", got, err)
	}
	if _, err := NewDecoder([]byte(`{"a":1}`)).ReadStringMap(); err == nil {
		t.Error("a number value was accepted")
	}
	if got := AppendFlags(nil, Flag{"x", true}, Flag{"y", false}, Flag{"z", true}); string(got) != `,"x":true,"z":true` {
		t.Errorf("AppendFlags = %s", got)
	}
}
