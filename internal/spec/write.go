package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ConfigName is the file name of the OCI configuration inside a bundle.
const ConfigName = "config.json"

// Write writes s to bundle/config.json, tab-indented like `runc spec`. It
// refuses to overwrite an existing file with runc's message.
func Write(bundle string, s *specs.Spec) error {
	if s == nil {
		return errors.New("write config: nil spec")
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	p := filepath.Join(bundle, ConfigName)
	// O_EXCL makes the existence check and the creation one step, so two
	// concurrent `hull spec` runs cannot both write the file.
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errors.New("File " + ConfigName + " exists. Remove it first")
		}
		return fmt.Errorf("create %s: %w", p, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", p, err)
	}
	return nil
}
