package specgen

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field is one JSON object member of a struct, as encoding/json sees it.
type field struct {
	name      string       // JSON key
	path      string       // Go selector from the struct, e.g. "LinuxBlockIODevice.Major"
	depth     int          // embedding depth, 0 for the struct's own fields
	tagged    bool         // name came from a json tag
	typ       reflect.Type // field type
	omitEmpty bool
}

// structFields lists t's JSON fields in encoding/json's order (Go field
// index order, embedded structs' fields in place of the embedding), with
// its rules: unexported and `json:"-"` fields dropped, an untagged embedded
// struct's fields promoted, and among same-named fields the shallowest
// wins, a tagged one breaking a tie, and an unbreakable tie dropping all.
func structFields(t reflect.Type) ([]field, error) {
	var all []field
	if err := collectFields(t, "", 0, &all); err != nil {
		return nil, err
	}
	byName := map[string][]int{}
	for i, f := range all {
		byName[f.name] = append(byName[f.name], i)
	}
	var out []field
	for i, f := range all {
		idx := byName[f.name]
		if len(idx) == 1 {
			out = append(out, f)
			continue
		}
		if dominant(all, idx) == i {
			out = append(out, f)
		}
	}
	return out, nil
}

// dominant returns the index (into all) of the field that wins among the
// same-named fields idx, or -1 when none does.
func dominant(all []field, idx []int) int {
	minDepth := all[idx[0]].depth
	for _, i := range idx {
		minDepth = min(minDepth, all[i].depth)
	}
	var top, tagged []int
	for _, i := range idx {
		if all[i].depth == minDepth {
			top = append(top, i)
			if all[i].tagged {
				tagged = append(tagged, i)
			}
		}
	}
	switch {
	case len(top) == 1:
		return top[0]
	case len(tagged) == 1:
		return tagged[0]
	}
	return -1
}

func collectFields(t reflect.Type, prefix string, depth int, out *[]field) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "", "omitempty":
			default:
				return fmt.Errorf("%s.%s: json option %q is not supported by the generator", t, sf.Name, o)
			}
		}
		if name != "" && !validTag(name) {
			name = ""
		}
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				return fmt.Errorf("%s.%s: embedded pointers are not supported by the generator", t, sf.Name)
			}
			if ft.Kind() == reflect.Struct {
				if err := collectFields(ft, prefix+sf.Name+".", depth+1, out); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		f := field{
			name:      name,
			path:      prefix + sf.Name,
			depth:     depth,
			tagged:    name != "",
			typ:       sf.Type,
			omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
		}
		if f.name == "" {
			f.name = sf.Name
		}
		*out = append(*out, f)
	}
	return nil
}

// validTag is encoding/json's rule for a usable json tag name; an invalid
// one makes it fall back to the Go field name.
func validTag(s string) bool {
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// foldName is encoding/json's key folding; the decoder's foldKey must
// agree with it, which the tests check.
func foldName(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b = utf8.AppendRune(b, r)
		i += n
	}
	return string(b)
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkCustom refuses types with their own (un)marshalling methods:
// encoding/json would call them and the generated code does not.
func checkCustom(t reflect.Type) error {
	for _, m := range []reflect.Type{jsonMarshaler, textMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return fmt.Errorf("%s implements %s: not supported by the generator", t, m)
		}
	}
	for _, m := range []reflect.Type{jsonUnmarshaler, textUnmarshaler} {
		if reflect.PointerTo(t).Implements(m) {
			return fmt.Errorf("%s implements %s: not supported by the generator", t, m)
		}
	}
	return nil
}
