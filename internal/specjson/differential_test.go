package specjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// keyVariants rewrite object keys in ways encoding/json still matches
// (or, for "unknown", deliberately does not).
var keyVariants = map[string]func(string) string{
	"upper":   strings.ToUpper,
	"lower":   strings.ToLower,
	"escaped": escapeKey,
	"swapcase": func(k string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, k)
	},
	// U+017F LATIN SMALL LETTER LONG S folds to S, U+212A KELVIN SIGN to K.
	"foldrunes": func(k string) string {
		return strings.NewReplacer("s", "ſ", "k", "\u212a", "K", "\u212a").Replace(k)
	},
	"unknown": func(k string) string { return "x" + k },
}

func TestDifferentialCorpus(t *testing.T) {
	docs := allDocs(t)
	for _, name := range sortedKeys(docs) {
		data := docs[name]
		t.Run(name, func(t *testing.T) {
			if msg := differAll(data); msg != "" {
				t.Fatal(msg)
			}
			if !json.Valid(data) {
				return // a template with placeholders: an error case only
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, data, "\r\n", "\t "); err != nil {
				t.Fatalf("indent: %v", err)
			}
			if msg := differAll(indented.Bytes()); msg != "" {
				t.Fatalf("indented: %s", msg)
			}
			for _, vn := range sortedKeys(keyVariants) {
				if msg := differAll(rewriteKeys(t, data, keyVariants[vn])); msg != "" {
					t.Fatalf("keys %s: %s", vn, msg)
				}
			}
		})
	}
}

// TestFilledSetsEveryField checks the test's own premise: decoding the
// rich filled documents leaves no field of any struct at its zero value,
// so the differential test above really covers every field.
func TestFilledSetsEveryField(t *testing.T) {
	for _, root := range []any{&specs.Spec{}, &specs.State{}, &specs.Process{}} {
		f := filler{}
		f.fill(reflect.ValueOf(root).Elem())
		data, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		got := reflect.New(reflect.TypeOf(root).Elem())
		var derr error
		switch p := got.Interface().(type) {
		case *specs.Spec:
			derr = UnmarshalSpec(data, p)
		case *specs.State:
			derr = UnmarshalState(data, p)
		case *specs.Process:
			derr = UnmarshalProcess(data, p)
		}
		if derr != nil {
			t.Fatalf("%T: %v", root, derr)
		}
		var walk func(v reflect.Value, path string)
		walk = func(v reflect.Value, path string) {
			switch v.Kind() {
			case reflect.Struct:
				for i := 0; i < v.NumField(); i++ {
					sf := v.Type().Field(i)
					if !sf.IsExported() {
						continue
					}
					fv := v.Field(i)
					if fv.IsZero() {
						t.Errorf("%s.%s is zero after decoding", path, sf.Name)
						continue
					}
					walk(fv, path+"."+sf.Name)
				}
			case reflect.Pointer:
				walk(v.Elem(), path)
			case reflect.Slice:
				for i := 0; i < v.Len(); i++ {
					walk(v.Index(i), path+"[]")
				}
			case reflect.Map:
				iter := v.MapRange()
				for iter.Next() {
					walk(iter.Value(), path+"[k]")
				}
			}
		}
		walk(got.Elem(), reflect.TypeOf(root).Elem().Name())
	}
}

// TestDifferentialMerge decodes a second document into a value already
// holding a first one: encoding/json merges (pointers and slice elements
// reused, maps extended, nulls leaving fields alone) and so must we.
func TestDifferentialMerge(t *testing.T) {
	docs := allDocs(t)
	names := sortedKeys(docs)
	var firsts []string
	for _, n := range names {
		if strings.Contains(n, "Spec") || strings.HasSuffix(n, ".json") {
			firsts = append(firsts, n)
		}
	}
	for _, first := range firsts {
		for _, second := range names {
			start := func() *specs.Spec {
				v := new(specs.Spec)
				_ = json.Unmarshal(docs[first], v) // errors are fine: a partial value is a start too
				return v
			}
			if msg := differ(specCodec, docs[second], start); msg != "" {
				t.Fatalf("%s then %s: %s", first, second, msg)
			}
		}
	}
}

// TestDifferentialCases covers the corners of encoding/json's decoding
// one at a time.
func TestDifferentialCases(t *testing.T) {
	deep := func(n int) string {
		return `{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	}
	deepObj := func(n int) string {
		return `{"x":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + `}`
	}
	cases := []string{
		// Empty and top-level forms.
		``, ` `, `null`, ` null `, `{}`, `[]`, `"x"`, `1`, `true`, `{} {}`, `{}x`, `{}` + "\x00",
		"\ufeff{}", `{"ociVersion":"1"}` + "\n\t\r ",
		// Strings and escapes.
		`{"ociVersion":"a\"b\\c\/d\be\ff\ng\rh\ti"}`,
		`{"ociVersion":"\u00e9\u00E9\u4e2d\uFFFF\u0000"}`,
		`{"ociVersion":"\ud83d\ude00"}`,       // pair
		`{"ociVersion":"\ud83d"}`,             // lone high
		`{"ociVersion":"\ude00"}`,             // lone low
		`{"ociVersion":"\ud83d\u0041"}`,       // high then non-surrogate
		`{"ociVersion":"\ud83d\ud83d\ude00"}`, // high, then a pair
		`{"ociVersion":"\ud83dx\ude00"}`,
		`{"ociVersion":"\ud83d\"}`,
		`{"ociVersion":"\u12"}`, `{"ociVersion":"\u12g4"}`, `{"ociVersion":"\x"}`, `{"ociVersion":"\'"}`,
		`{"ociVersion":"` + "\xff\xfe\xed\xa0\x80\xc0\xaf" + `"}`,
		`{"ociVersion":"` + "é日😀" + `"}`,
		`{"ociVersion":"` + "\x01" + `"}`, `{"ociVersion":"` + "\x7f" + `"}`,
		`{"ociVersion":"abc`, `{"ociVersion":"abc\`, `{"ociVersion":`,
		`{"ociVersion":1}`, `{"ociVersion":true}`, `{"ociVersion":null}`, `{"ociVersion":{}}`, `{"ociVersion":[]}`,
		`{"hostname":"a","hostname":"b"}`,
		// Numbers.
		`{"pid":0}`, `{"pid":-0}`, `{"pid":-1}`, `{"pid":1.5}`, `{"pid":1.0}`, `{"pid":1e2}`, `{"pid":1E+2}`,
		`{"pid":9223372036854775807}`, `{"pid":9223372036854775808}`, `{"pid":-9223372036854775808}`,
		`{"pid":-9223372036854775809}`, `{"pid":18446744073709551616}`, `{"pid":99999999999999999999999}`,
		`{"pid":01}`, `{"pid":-}`, `{"pid":+1}`, `{"pid":.5}`, `{"pid":1.}`, `{"pid":1e}`, `{"pid":1e+}`,
		`{"pid":"1"}`, `{"pid":true}`, `{"pid":null}`, `{"pid":1x}`, `{"pid":1 2}`,
		`{"process":{"user":{"uid":4294967295}}}`, `{"process":{"user":{"uid":4294967296}}}`,
		`{"process":{"user":{"uid":-0}}}`, `{"process":{"user":{"uid":-1}}}`, `{"process":{"user":{"uid":0.0}}}`,
		`{"process":{"consoleSize":{"height":18446744073709551615}}}`,
		`{"process":{"oomScoreAdj":-2147483648}}`, `{"process":{"oomScoreAdj":-2147483649}}`,
		`{"process":{"oomScoreAdj":2147483647}}`, `{"process":{"oomScoreAdj":2147483648}}`,
		`{"linux":{"resources":{"blockIO":{"weight":65535}}}}`, `{"linux":{"resources":{"blockIO":{"weight":65536}}}}`,
		`{"linux":{"resources":{"cpu":{"quota":-1,"shares":1}}}}`,
		`{"linux":{"resources":{"memory":{"limit":-9223372036854775808}}}}`,
		`{"linux":{"resources":{"blockIO":{"weightDevice":[{"major":8,"minor":0,"weight":10,"leafWeight":null}]}}}}`,
		`{"linux":{"resources":{"blockIO":{"throttleReadBpsDevice":[{"major":1,"MINOR":2,"rate":3}]}}}}`,
		// Literals.
		`{"process":{"terminal":true}}`, `{"process":{"terminal":false}}`, `{"process":{"terminal":null}}`,
		`{"process":{"terminal":tru}}`, `{"process":{"terminal":True}}`, `{"process":{"terminal":nul}}`,
		`{"process":{"terminal":1}}`, `{"process":{"terminal":"true"}}`, `{"process":{"terminal":truex}}`,
		// Objects, arrays, structure.
		`{"process":null}`, `{"process":{}}`, `{"process":[]}`, `{"process":"x"}`, `{"process":1}`,
		`{"mounts":null}`, `{"mounts":[]}`, `{"mounts":[null]}`, `{"mounts":[{}]}`, `{"mounts":{}}`,
		`{"mounts":[{"destination":"/a"},]}`, `{"mounts":[,]}`, `{"mounts":[{"destination":"/a"} {}]}`,
		`{"annotations":null}`, `{"annotations":{}}`, `{"annotations":{"a":"1","a":"2","b":null}}`,
		`{"annotations":{"a":1}}`, `{"annotations":[]}`, `{"annotations":{"\u0041":"x","":""}}`,
		`{"annotations":{"a":"1",}}`, `{"annotations":{,}}`, `{"annotations":{"a" "1"}}`, `{"annotations":{"a":}}`,
		`{"annotations":{a:"1"}}`, `{"annotations":{"a":"1"`,
		`{"process":{"args":["a",null,"c"]}}`, `{"process":{"args":["a",1]}}`,
		`{"process":{"args":["a"],"args":["b","c"],"ARGS":null}}`,
		`{"process":{"cwd":"/","cwd":null}}`,
		// A shorter duplicate truncates a slice, keeping its capacity; a
		// longer one after it decodes into the stale elements (null
		// leaving them as they were), as encoding/json's SetLen does.
		`{"process":{"args":["a","b","c"],"args":["x"],"args":["p",null,null]}}`,
		`{"process":{"args":["a","b","c"],"args":[],"args":["p",null,null]}}`,
		`{"mounts":[{"destination":"/a","type":"t"},{"destination":"/b","options":["o"]}],"mounts":[{}],"mounts":[{},{"source":"s"}]}`,
		`{"linux":{"uidMappings":[{"containerID":1,"hostID":2,"size":3},{"hostID":5}],"uidMappings":[{"size":9}],"uidMappings":[null,{}]}}`,
		`{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1}],"rlimits":[{"hard":2}]}}`,
		`{"linux":{"sysctl":{"a":"b"},"sysctl":{"c":"d"}}}`,
		`{"linux":{"netDevices":{"eth0":{"name":"x"},"eth0":{}}}}`,
		`{"linux":{"timeOffsets":{"boottime":{"secs":-1,"nanosecs":4294967295}}}}`,
		`{"linux":{"resources":{"unified":{"memory.max":"1"},"rdma":{"mlx":{"hcaHandles":1}}}}}`,
		`{"linux":{"resources":{"devices":[{"allow":true,"type":"c","major":null,"access":"rwm"}]}}}`,
		`{"linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"UIDMAPPINGS":[]}}`,
		`{"linux":{"intelRdt":{"closID":"x","schemata":["a"],"enableMonitoring":true}}}`,
		`{"linux":{"memoryPolicy":{"mode":"MPOL_BIND","nodes":"0-1","flags":["MPOL_F_STATIC_NODES"]}}}`,
		`{"linux":{"personality":{"domain":"LINUX32","flags":[]}}}`,
		`{"process":{"scheduler":{"policy":"SCHED_FIFO","nice":-20,"priority":1,"flags":["x"],"runtime":1,"deadline":2,"period":3}}}`,
		`{"process":{"ioPriority":{"class":"IOPRIO_CLASS_RT","priority":7}}}`,
		`{"process":{"execCPUAffinity":{"initial":"0","final":"1-3"}}}`,
		`{"windows":{"credentialSpec":{"a":[1,2.5,"x",null,true,{"b":{}}]}}}`,
		`{"windows":{"credentialSpec":1e400}}`, `{"windows":{"credentialSpec":null}}`,
		`{"windows":{"credentialSpec":"s","credentialSpec":[1]}}`,
		`{"windows":{"credentialSpec":-0.0}}`, `{"windows":{"credentialSpec":{"a":1,"a":2}}}`,
		`{"vm":{"hypervisor":{"path":"/h"},"kernel":{"path":"/k"},"image":{"path":"/i","format":"raw"}}}`,
		`{"vm":{"hwConfig":{"deviceTree":"x","vcpus":2,"memory":3,"dtdevs":["a"],"iomems":[{"firstGFN":1,"firstMFN":null,"nrMFNs":3}],"irqs":[1]}}}`,
		`{"zos":{"namespaces":[{"type":"pid","path":""}]}}`,
		`{"solaris":{"anet":[{"linkname":"net0"}],"cappedCPU":{"ncpus":"1"}}}`,
		`{"hooks":{"prestart":[{"path":"/p","args":["a"],"env":["E=1"],"timeout":5}],"createRuntime":null}}`,
		`{"status":"running","bundle":"/b","id":"i","annotations":{"k":"v"}}`,
		// Keys.
		`{"OCIVERSION":"x"}`, `{"ociversion":"x","ociVersion":"y"}`, `{"ociVersion":"y","ociversion":"x"}`,
		`{"\u006fciVersion":"x"}`, `{"ociVer\u0073ion":"x"}`, `{"oci_version":"x"}`, `{"ociVersion ":"x"}`,
		"{\"ociVer\u017fion\":\"x\"}", "{\"ociVersion\xff\":\"x\"}", `{"ociVersion\ud800":"x"}`,
		`{"process":{"user":{"UID":1,"Uid":2}}}`, `{"process":{"user":{"additionalGIDs":[1]}}}`,
		`{"linux":{"cgroupsPath":"a","CGROUPSPATH":"b"}}`, `{"linux":{"mountLabel":"m","MountLabel":"n"}}`,
		`{"unknown":{"a":[1,{"b":"\u00e9"},null,true,false,-1.5e+3]}}`, `{"unknown":[1,2,}`, `{"unknown":{"a"}}`,
		`{"unknown":"\q"}`, `{"unknown":nan}`, `{"unknown":-}`, `{"unknown":[1 2]}`,
		// Nesting limit: encoding/json allows 10000 levels.
		deep(9999), deep(10000), deepObj(9998), deepObj(9999), deepObj(10000),
	}
	for i, c := range cases {
		if msg := differAll([]byte(c)); msg != "" {
			in := c
			if len(in) > 200 {
				in = in[:200] + "..."
			}
			t.Errorf("case %d %q: %s", i, in, msg)
		}
	}
}
