// Package intelrdt places a container in an Intel RDT (resctrl) group for
// linux.intelRdt: cache allocation (L3 CAT) and memory bandwidth (MBA).
package intelrdt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Root is where resctrl is mounted.
const Root = "/sys/fs/resctrl"

// rdtgroupSuperMagic is resctrl's statfs type (RDTGROUP_SUPER_MAGIC).
const rdtgroupSuperMagic = 0x7655821

// Available reports whether resctrl is mounted at Root.
func Available() bool {
	var st unix.Statfs_t
	return unix.Statfs(Root, &st) == nil && st.Type == rdtgroupSuperMagic
}

// Check fails with one line when the config asks for RDT on a host without it.
func Check(r *specs.LinuxIntelRdt) error {
	if r == nil {
		return nil
	}
	if !Available() {
		return fmt.Errorf("linux.intelRdt: resctrl is not mounted at %s (no Intel RDT on this host)", Root)
	}
	if len(r.Schemata) > 0 && (r.L3CacheSchema != "" || r.MemBwSchema != "") {
		return errors.New("linux.intelRdt: schemata and l3CacheSchema/memBwSchema are exclusive")
	}
	if r.ClosID != "" && (strings.ContainsAny(r.ClosID, "/\x00") || r.ClosID == "." || r.ClosID == "..") {
		return fmt.Errorf("linux.intelRdt.closID %q is not a valid group name", r.ClosID)
	}
	return nil
}

// Group is the resctrl group a container uses.
type Group struct {
	Dir     string `json:"dir"`
	Created bool   `json:"created"` // hull made it: delete removes it
}

// Apply puts pid in the group named closID (or id), creating it when
// needed, and writes the schemata when given.
func Apply(r *specs.LinuxIntelRdt, id string, pid int) (*Group, error) {
	if err := Check(r); err != nil {
		return nil, err
	}
	name := r.ClosID
	if name == "" {
		name = id
	}
	g := &Group{Dir: filepath.Join(Root, name)}
	if err := os.Mkdir(g.Dir, 0o755); err == nil {
		g.Created = true
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("linux.intelRdt: create group %s: %w", g.Dir, err)
	}
	lines := r.Schemata
	if len(lines) == 0 {
		for _, l := range []string{r.L3CacheSchema, r.MemBwSchema} {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) > 0 {
		if err := os.WriteFile(filepath.Join(g.Dir, "schemata"), []byte(strings.Join(lines, "\n")+"\n"), 0); err != nil {
			g.Destroy()
			return nil, fmt.Errorf("linux.intelRdt: write schemata: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(g.Dir, "tasks"), []byte(strconv.Itoa(pid)), 0); err != nil {
		g.Destroy()
		return nil, fmt.Errorf("linux.intelRdt: join group %s: %w", g.Dir, err)
	}
	return g, nil
}

// Destroy removes the group if hull created it.
func (g *Group) Destroy() error {
	if g == nil || !g.Created {
		return nil
	}
	if err := unix.Rmdir(g.Dir); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove resctrl group %s: %w", g.Dir, err)
	}
	return nil
}
