package specjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// corpusFiles are real configs: this package's bench bundle config, the
// spec package's real-world configs, the GPU test configs and (as a spec
// full of unknown keys) a seccomp profile. Paths are read-only.
func corpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pattern := range []string{
		"testdata/*.json",
		"../spec/testdata/*.json",
		"../seccomp/testdata/*.json",
		"../../tests/gpu/*.json",
	} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatalf("glob %s: %v", pattern, err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("read %s: %v", p, err)
			}
			out[p] = data
		}
	}
	if len(out) == 0 {
		t.Fatal("no corpus files found")
	}
	return out
}

// hullSpec returns the output of `hull spec` and `hull spec --rootless`
// when bin/hull is built, run in a temp dir.
func hullSpec(t testing.TB) map[string][]byte {
	t.Helper()
	hull, err := filepath.Abs("../../bin/hull")
	if err != nil {
		return nil
	}
	if _, err := os.Stat(hull); err != nil {
		return nil
	}
	out := map[string][]byte{}
	for _, args := range [][]string{{"spec"}, {"spec", "--rootless"}} {
		dir := t.TempDir()
		cmd := exec.Command(hull, append(args, "--bundle", dir)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Logf("hull %v: %v: %s", args, err, b)
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatalf("read hull spec output: %v", err)
		}
		out["hull "+strings.Join(args, " ")] = data
	}
	return out
}

// filler sets every field of a value, by reflection, to something that
// is not its zero value (rich) or to the emptiest value that still
// differs from nil (sparse: pointers to zero values, empty non-nil slices
// and maps), which exercises omitempty's edge.
type filler struct {
	n      int
	sparse bool
}

var fillStrings = []string{
	"plain",
	"<script>&amp;</script>",
	"tab\there\nnew line\r\b\f",
	`quote" back\slash /slash`,
	"\u2028line\u2029para",
	"日本語 ſ K",
	"\x00\x01\x1f\x7f",
	"invalid \xff\xfe utf8 \xed\xa0\x80",
	"emoji 😀 \U0010FFFF",
	"\ufffd",
}

var fillInts = []int64{1, -1, 42, 1<<63 - 1, -1 << 63, 127, -128, 32767, 1<<31 - 1, -1 << 31}
var fillUints = []uint64{1, 42, 1<<64 - 1, 255, 65535, 1<<32 - 1, 7}

func (f *filler) next() int {
	f.n++
	return f.n
}

func (f *filler) fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if !f.sparse {
			v.SetString(fillStrings[f.next()%len(fillStrings)])
		}
	case reflect.Bool:
		v.SetBool(!f.sparse)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if f.sparse {
			return
		}
		for i := 0; ; i++ {
			n := fillInts[(f.next()+i)%len(fillInts)]
			if !v.OverflowInt(n) {
				v.SetInt(n)
				return
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if f.sparse {
			return
		}
		for i := 0; ; i++ {
			n := fillUints[(f.next()+i)%len(fillUints)]
			if !v.OverflowUint(n) {
				v.SetUint(n)
				return
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		n := 2
		if f.sparse {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		if !f.sparse {
			for _, k := range []string{"zeta", "alpha<&>", "Alpha", "ß"} {
				e := reflect.New(v.Type().Elem()).Elem()
				f.fill(e)
				m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
			}
		}
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	case reflect.Interface:
		if f.sparse {
			v.Set(reflect.ValueOf(map[string]any{}))
		} else {
			v.Set(reflect.ValueOf(map[string]any{"a": 1.5, "b<": []any{"x", true, nil, 1e21, 123456789.0}}))
		}
	default:
		panic(fmt.Sprintf("filler: kind %s", v.Kind()))
	}
}

// filledSpecs returns specs built by reflection with every field set,
// in several variants, marshalled by encoding/json.
func filledDocs(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, variant := range []struct {
		name string
		f    filler
	}{{"rich0", filler{}}, {"rich3", filler{n: 3}}, {"rich7", filler{n: 7}}, {"sparse", filler{sparse: true}}} {
		for _, root := range []any{&specs.Spec{}, &specs.State{}, &specs.Process{}} {
			f := variant.f
			f.fill(reflect.ValueOf(root).Elem())
			data, err := json.Marshal(root)
			if err != nil {
				t.Fatalf("marshal filled %T: %v", root, err)
			}
			out[fmt.Sprintf("filled %s %T", variant.name, root)] = data
		}
	}
	for _, root := range []any{&specs.Spec{}, &specs.State{}, &specs.Process{}} {
		data, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("zero %T", root)] = data
	}
	return out
}

// allDocs is every document the differential tests and fuzz seeds use.
func allDocs(t testing.TB) map[string][]byte {
	docs := corpusFiles(t)
	for k, v := range hullSpec(t) {
		docs[k] = v
	}
	for k, v := range filledDocs(t) {
		docs[k] = v
	}
	return docs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// rewriteKeys re-emits JSON document data with every object key passed
// through fn, which returns the key's raw JSON string contents (so it can
// add escapes). Numbers are kept as written.
func rewriteKeys(t testing.TB, data []byte, fn func(string) string) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("rewriteKeys: %v", err)
	}
	var b []byte
	var emit func(v any)
	emit = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			b = append(b, '{')
			for i, k := range sortedKeys(v) {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, '"')
				b = append(b, fn(k)...)
				b = append(b, '"', ':')
				emit(v[k])
			}
			b = append(b, '}')
		case []any:
			b = append(b, '[')
			for i, e := range v {
				if i > 0 {
					b = append(b, ',')
				}
				emit(e)
			}
			b = append(b, ']')
		default:
			m, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("rewriteKeys: %v", err)
			}
			b = append(b, m...)
		}
	}
	emit(v)
	return b
}

// escapeKey returns k as raw JSON string contents with every character
// written as a \u escape.
func escapeKey(k string) string {
	var sb strings.Builder
	for _, r := range k {
		if r > 0xFFFF {
			r1, r2 := (r-0x10000)>>10+0xD800, (r-0x10000)&0x3FF+0xDC00
			fmt.Fprintf(&sb, `\u%04X\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&sb, `\u%04x`, r)
	}
	return sb.String()
}
