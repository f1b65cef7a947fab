package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/specjson"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Load reads bundle/config.json, validates it and returns it. Every error is a
// single line that starts with the file name and names the offending field,
// because containerd and podman show only the runtime's last error line.
// Unknown fields are ignored so configs from newer tools still load.
// Relative mount destinations (accepted by runc for old configs) are made
// absolute by treating them as relative to "/".
func Load(bundle string) (*specs.Spec, error) {
	p := filepath.Join(bundle, ConfigName)
	data, err := rawfile.ReadFile(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: read: %w", p, err)
	}
	var s specs.Spec
	if err := decode(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	// Only devices that decoded need their raw numbers checked: most
	// configs have none, and the raw check is a second parse.
	if s.Linux != nil && len(s.Linux.Devices) > 0 {
		if err := checkDevicesRaw(data); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := Validate(&s, bundle); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	normalizeMounts(&s)
	return &s, nil
}

// decode unmarshals data and turns encoding/json's byte offsets into line and
// column numbers a person can find in an editor.
func decode(data []byte, v any) error {
	var err error
	if sp, ok := v.(*specs.Spec); ok {
		// The generated codec: no reflection (0.6 ms per process); on
		// an error it defers to encoding/json for the error's details.
		err = specjson.UnmarshalSpec(data, sp)
	} else {
		err = json.Unmarshal(data, v)
	}
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, oneLine(se.Error()))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := position(data, te.Offset)
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("%s: invalid JSON at line %d, column %d: cannot use a JSON %s as %s",
			field, line, col, te.Value, te.Type)
	}
	return fmt.Errorf("invalid JSON: %s", oneLine(err.Error()))
}

// position converts a byte offset into 1-based line and column numbers.
// encoding/json reports the offset just past the offending token, so step back
// one byte to point at it.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off > 0 {
		off--
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// checkDevicesRaw enforces that linux.devices entries of type c, b and u carry
// major and minor numbers. specs-go drops the distinction between "0" and
// "absent", so the check reads the raw JSON.
func checkDevicesRaw(data []byte) error {
	var raw struct {
		Linux *struct {
			Devices []map[string]json.RawMessage `json:"devices"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(data, &raw); err != nil || raw.Linux == nil {
		// Type errors were already reported by decode with a position.
		return nil
	}
	for i, d := range raw.Linux.Devices {
		var typ string
		_ = json.Unmarshal(lookupFold(d, "type"), &typ)
		if typ != "c" && typ != "b" && typ != "u" {
			continue // "p" needs no numbers; bad types are Validate's job
		}
		for _, k := range []string{"major", "minor"} {
			if lookupFold(d, k) == nil {
				return fmt.Errorf("linux.devices[%d].%s is required for type %q", i, k, typ)
			}
		}
	}
	return nil
}

// lookupFold finds key the way encoding/json matches struct fields: exact
// first, then case-insensitively.
func lookupFold(m map[string]json.RawMessage, key string) json.RawMessage {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// normalizeMounts makes relative mount destinations absolute. Old configs
// (runtime-spec before 1.0) allowed them, and runc resolves them against the
// container root.
func normalizeMounts(s *specs.Spec) {
	for i := range s.Mounts {
		d := s.Mounts[i].Destination
		if d != "" && !filepath.IsAbs(d) {
			s.Mounts[i].Destination = "/" + d
		}
	}
}
