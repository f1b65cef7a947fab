package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOpts is the parsed form of an OCI mount's "options" list.
type mountOpts struct {
	flags       uintptr // MS_* flags for mount(2)
	propagation []uintptr
	// Recursive attributes (rro, rnosuid, ...) applied with mount_setattr(2)
	// and AT_RECURSIVE, because MS_REMOUNT only changes the top mount of a
	// recursive bind.
	attrSet, attrClr uint64
	data             []string // everything else is filesystem data (size=, mode=, ...)
	tmpcopyup        bool
	// flagsTouched is set when the user named any per-mount flag (set or
	// cleared) beyond bind/rbind: only then does a bind mount need the
	// MS_REMOUNT pass that rewrites its flags (a plain bind keeps the source's).
	flagsTouched bool
}

type flagOpt struct {
	clear bool
	flag  uintptr
}

var mountFlagOpts = map[string]flagOpt{
	"acl":           {false, unix.MS_POSIXACL},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noacl":         {true, unix.MS_POSIXACL},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"sync":          {false, unix.MS_SYNCHRONOUS},
}

var propagationOpts = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"shared":      unix.MS_SHARED,
	"slave":       unix.MS_SLAVE,
	"unbindable":  unix.MS_UNBINDABLE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

type attrOpt struct {
	clear bool
	attr  uint64
}

// Recursive mount attributes, see mount_setattr(2) and OCI config.md.
var recAttrOpts = map[string]attrOpt{
	"rro":            {false, unix.MOUNT_ATTR_RDONLY},
	"rrw":            {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {false, unix.MOUNT_ATTR_NODEV},
	"rdev":           {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {true, unix.MOUNT_ATTR_NODIRATIME},
	"rrelatime":      {false, unix.MOUNT_ATTR_RELATIME},
	"rnorelatime":    {true, unix.MOUNT_ATTR_RELATIME},
	"rnoatime":       {false, unix.MOUNT_ATTR_NOATIME},
	"ratime":         {true, unix.MOUNT_ATTR_NOATIME},
	"rstrictatime":   {false, unix.MOUNT_ATTR_STRICTATIME},
	"rnostrictatime": {true, unix.MOUNT_ATTR_STRICTATIME},
	"rnosymfollow":   {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// atimeAttrOpts are the recursive options that touch the atime mode. The
// kernel insists that a change of atime mode clears the whole
// MOUNT_ATTR__ATIME field in the same call.
var atimeAttrOpts = map[string]bool{
	"rrelatime": true, "rnorelatime": true, "rnoatime": true,
	"ratime": true, "rstrictatime": true, "rnostrictatime": true,
}

// parseMountOptions splits OCI mount options into flags, propagation,
// recursive attributes and filesystem data, in the order given (later options
// win, as with mount(8)).
func parseMountOptions(options []string) (*mountOpts, error) {
	o := &mountOpts{}
	for _, opt := range options {
		if f, ok := mountFlagOpts[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
			} else {
				o.flags |= f.flag
			}
			if f.flag&remountFlagsMask != 0 {
				o.flagsTouched = true
			}
			continue
		}
		if p, ok := propagationOpts[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if a, ok := recAttrOpts[opt]; ok {
			if atimeAttrOpts[opt] {
				o.attrClr |= unix.MOUNT_ATTR__ATIME
				o.attrSet &^= unix.MOUNT_ATTR__ATIME
				if !a.clear {
					o.attrSet |= a.attr
				}
				continue
			}
			if a.clear {
				o.attrSet &^= a.attr
				o.attrClr |= a.attr
			} else {
				o.attrClr &^= a.attr
				o.attrSet |= a.attr
			}
			continue
		}
		switch opt {
		case "tmpcopyup":
			o.tmpcopyup = true
			continue
		case "idmap", "ridmap":
			// Idmapped mounts need open_tree(2)+mount_setattr(MOUNT_ATTR_IDMAP)
			// with a user namespace fd; refuse rather than silently give the
			// container host-owned files.
			return nil, fmt.Errorf("mount option %q is not supported", opt)
		}
		if opt == "" {
			continue
		}
		o.data = append(o.data, opt)
	}
	return o, nil
}

func (o *mountOpts) dataString() string { return strings.Join(o.data, ",") }

// hasRecAttrs reports whether mount_setattr(2) is needed.
func (o *mountOpts) hasRecAttrs() bool { return o.attrSet != 0 || o.attrClr != 0 }

// parseRootPropagation maps linux.rootfsPropagation to MS_* flags.
func parseRootPropagation(s string) (uintptr, error) {
	if s == "" {
		return 0, nil
	}
	p, ok := propagationOpts[s]
	if !ok {
		return 0, fmt.Errorf("invalid rootfsPropagation %q", s)
	}
	return p, nil
}
