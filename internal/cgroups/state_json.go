package cgroups

import (
	"fmt"

	"github.com/hull-runtime/hull/internal/specjson"
)

// State is encoded by hand: it is read by every command that loads a
// container and written twice by create, and encoding/json's first use of a
// type (reflection over its fields) cost more than the rest of the work.
// The bytes are encoding/json's for the struct tags on State.

// MarshalJSON implements json.Marshaler.
func (s State) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256+64*len(s.Paths))
	b = append(b, `{"mode":`...)
	b = specjson.AppendString(b, string(s.Mode))
	b = append(b, `,"paths":`...)
	if s.Paths == nil {
		b = append(b, "null"...)
	} else {
		b = specjson.AppendStringMap(b, s.Paths)
	}
	b = append(b, `,"created":`...)
	b = specjson.AppendStrings(b, s.Created)
	if len(s.Unwritable) > 0 {
		b = append(b, `,"unwritable":`...)
		b = specjson.AppendStrings(b, s.Unwritable)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *State) UnmarshalJSON(data []byte) error {
	*s = State{}
	d := specjson.NewDecoder(data)
	err := d.ReadObject(func(key []byte) error {
		if d.ReadNull() {
			return nil
		}
		var err error
		switch string(key) {
		case "mode":
			var m string
			m, err = d.ReadString()
			s.Mode = Mode(m)
		case "paths":
			s.Paths, err = d.ReadStringMap()
		case "created":
			s.Created, err = d.ReadStrings()
		case "unwritable":
			s.Unwritable, err = d.ReadStrings()
		default:
			err = d.Skip()
		}
		if err != nil {
			return fmt.Errorf("cgroup state: %s: %w", key, err)
		}
		return nil
	})
	if err == nil {
		err = d.Finish()
	}
	return err
}
