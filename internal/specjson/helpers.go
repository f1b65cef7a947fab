package specjson

import "sort"

// Helpers for the small structs hull encodes by hand around a spec (the
// init config, state.json).

// Flag is one boolean field written only when set (omitempty).
type Flag struct {
	Key string
	On  bool
}

// AppendFlags appends `,"key":true` for each set flag.
func AppendFlags(dst []byte, flags ...Flag) []byte {
	for _, f := range flags {
		if f.On {
			dst = append(dst, `,"`...)
			dst = append(dst, f.Key...)
			dst = append(dst, `":true`...)
		}
	}
	return dst
}

// AppendStringMap appends m as a JSON object with its keys sorted, as
// encoding/json writes maps.
func AppendStringMap(dst []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendString(dst, m[k])
	}
	return append(dst, '}')
}

// ReadStringMap reads an object of strings (null: a nil map, as
// encoding/json leaves it).
func (d *Decoder) ReadStringMap() (map[string]string, error) {
	if d.ReadNull() {
		return nil, nil
	}
	m := map[string]string{}
	err := d.ReadObject(func(k []byte) error {
		key := string(k)
		v, err := d.ReadString()
		m[key] = v
		return err
	})
	return m, err
}

// AppendStrings appends ss as a JSON array (null for a nil slice, as
// encoding/json writes it): the generated encoder for []string.
func AppendStrings(dst []byte, ss []string) []byte {
	return appendSliceString(dst, ss)
}

// ReadStrings reads an array of strings (null: a nil slice), with the
// generated decoder for []string.
func (d *Decoder) ReadStrings() ([]string, error) {
	var ss []string
	decodeSliceString(d, &ss)
	return ss, d.err
}
