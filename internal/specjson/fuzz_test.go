package specjson

import (
	"encoding/json"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seedMutations derives inputs from a valid document that probe the
// decoder's corners: case-changed and escaped keys, nulls, unknown nested
// fields, escapes, big and negative numbers, floats, duplicate keys,
// truncation.
func seedMutations(doc string) []string {
	r := strings.NewReplacer
	out := []string{
		strings.ToUpper(doc),
		strings.ToLower(doc),
		r(`"`+"ociVersion", `"OCIVERSION`, `"process"`, `"PROCESS"`, `"linux"`, `"Linux"`).Replace(doc),
		r(`"path"`, `"\u0070ath"`, `"type"`, `"ty\u0070e"`).Replace(doc),
		r("s", "ſ", "k", "\u212a").Replace(doc),
		r(`: "`, `: null, "x": "`).Replace(doc),
		r(`": [`, `": null, "zz": [`).Replace(doc),
		r(`": {`, `": {"unknown": {"a": [1, {"b": null}], "c": "\ud83d\ude00"}, `).Replace(doc),
		r(`: 0`, `: -0`).Replace(doc),
		r(`: 0`, `: 1.5`).Replace(doc),
		r(`: 0`, `: 1e2`).Replace(doc),
		r(`: 0`, `: -1`).Replace(doc),
		r(`: 0`, `: 18446744073709551616`).Replace(doc),
		r(`: 0`, `: 4294967296`).Replace(doc),
		r(`: 1`, `: 9223372036854775808`).Replace(doc),
		r(`true`, `null`).Replace(doc),
		r(`/`, `\/`, `a`, `\u0061`, "e", `\ud800e`).Replace(doc),
		r(`{`, `{"id": "dup", "hostname": "a", "hostname": "b", `).Replace(doc),
		r(`"args": [`, `"args": ["dup"], "args": [`).Replace(doc),
		doc[:len(doc)/2],
		doc + "x",
	}
	return out
}

// FuzzUnmarshalSpec compares specjson with encoding/json on arbitrary
// input, decoded as a Spec, a State and a Process: the generated decoder
// must fail exactly when encoding/json does, give a DeepEqual value when
// both succeed, and re-encode to json.Marshal's bytes.
func FuzzUnmarshalSpec(f *testing.F) {
	docs := allDocs(f)
	for _, name := range sortedKeys(docs) {
		doc := docs[name]
		f.Add(doc)
		for _, m := range seedMutations(string(doc)) {
			f.Add([]byte(m))
		}
	}
	for _, s := range []string{`{"pid":-0}`, `{"annotations":{"a":"1","a":null}}`, `{"windows":{"credentialSpec":[1e400]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := differAll(data); msg != "" {
			t.Fatal(msg)
		}
	})
}

// FuzzUnmarshalSpecMerge is FuzzUnmarshalSpec decoding into a Spec that
// already holds a fully populated one, so encoding/json's merging (reused
// pointers and slice elements, extended maps, nulls ignored) is compared
// too.
func FuzzUnmarshalSpecMerge(f *testing.F) {
	docs := allDocs(f)
	for _, name := range sortedKeys(docs) {
		f.Add(docs[name])
	}
	first := docs["filled rich3 *specs.Spec"]
	if first == nil {
		f.Fatal("no filled spec document")
	}
	start := func() *specs.Spec {
		v := new(specs.Spec)
		if err := json.Unmarshal(first, v); err != nil {
			panic(err) // the test's own document; cannot fail
		}
		return v
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := differ(specCodec, data, start); msg != "" {
			t.Fatal(msg)
		}
	})
}
