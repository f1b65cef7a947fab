// Package specjson encodes and decodes the OCI runtime-spec types
// (specs.Spec, specs.State, specs.Process) without reflection.
//
// encoding/json builds its per-type field tables by reflection the first
// time it sees a type; for the large specs.Spec graph that costs several
// hundred microseconds in every fresh process, which every hull process
// (CLI and container init) would pay. The decode and encode functions here
// are generated ahead of time (zz_generated.go, from the specs-go types by
// ./gen) so a fresh process pays nothing.
//
// Decoding matches encoding/json.Unmarshal: the same key matching (exact,
// then Unicode case-folded), null leaving non-pointer fields unchanged,
// merging into existing values, the same string unescaping and the same
// number range checks. On any error the Unmarshal* functions zero the
// value and run encoding/json, so errors are encoding/json's own types.
// Encoding matches encoding/json.Marshal byte for byte.
package specjson

//go:generate go run ./gen -o zz_generated.go
