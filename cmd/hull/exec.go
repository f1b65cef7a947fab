package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/caps"
	"github.com/hull-runtime/hull/internal/container"
	"github.com/hull-runtime/hull/internal/spec"
	"github.com/hull-runtime/hull/internal/specjson"
	"github.com/hull-runtime/hull/internal/state"
)

type execFlags struct {
	process, consoleSocket, pidFile, cwd, user, apparmor, label, cgroup string
	tty, detach, noNewPrivs, ignorePaused                               bool
	preserveFds                                                         int
	env, gids, caps                                                     stringList
}

func init() {
	register(&command{
		name:           "exec",
		usage:          "[options] ID [COMMAND [ARGS...]]",
		stopAtFirstArg: true,
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var f execFlags
			stringFlag(fs, &f.process, "process,p", "", "OCI process JSON file")
			boolFlag(fs, &f.tty, "tty,t", "allocate a pseudo-TTY")
			stringFlag(fs, &f.consoleSocket, "console-socket", "", "unix socket that receives the pty master")
			boolFlag(fs, &f.detach, "detach,d", "do not wait for the process")
			stringFlag(fs, &f.pidFile, "pid-file", "", "write the process's pid to this file")
			stringFlag(fs, &f.cwd, "cwd", "", "working directory in the container")
			listFlag(fs, &f.env, "env,e", "set an environment variable (repeatable)")
			stringFlag(fs, &f.user, "user,u", "", "uid[:gid]")
			listFlag(fs, &f.gids, "additional-gids,g", "additional gid (repeatable)")
			listFlag(fs, &f.caps, "cap,c", "add a capability (repeatable)")
			boolFlag(fs, &f.noNewPrivs, "no-new-privs", "set no_new_privs")
			stringFlag(fs, &f.apparmor, "apparmor", "", "AppArmor profile")
			stringFlag(fs, &f.label, "process-label", "", "SELinux process label")
			intFlag(fs, &f.preserveFds, "preserve-fds", 0, "pass this many extra fds (from 3)")
			stringFlag(fs, &f.cgroup, "cgroup", "", "run in a sub-cgroup ([controller:]path)")
			boolFlag(fs, &f.ignorePaused, "ignore-paused", "exec even if the container is paused")
			return func(g *globals, args []string) error {
				if err := needArgs("exec", args, 1, -1, "a container id and a command"); err != nil {
					return err
				}
				code, err := g.runtime().Exec(args[0], container.ExecOptions{
					BuildProcess: func(c *state.Container) (*specs.Process, error) {
						return buildExecProcess(c, &f, args[1:])
					},
					ConsoleSocket: f.consoleSocket, Detach: f.detach, PidFile: f.pidFile,
					PreserveFds: f.preserveFds, IgnorePaused: f.ignorePaused, SubCgroup: f.cgroup,
				})
				if err != nil {
					return err
				}
				if code != 0 {
					return &exitCode{code: code}
				}
				return nil
			}
		},
	})
}

// buildExecProcess makes the process as runc does: from --process alone,
// or from the container's own process with the command line's changes.
func buildExecProcess(c *state.Container, f *execFlags, args []string) (*specs.Process, error) {
	if f.process != "" {
		b, err := os.ReadFile(f.process)
		if err != nil {
			return nil, fmt.Errorf("--process: %w", err)
		}
		var p specs.Process
		if err := specjson.UnmarshalProcess(b, &p); err != nil {
			return nil, fmt.Errorf("--process %s: invalid JSON: %w", f.process, err)
		}
		if err := spec.ValidateProcess(&p); err != nil {
			return nil, fmt.Errorf("--process %s: %w", f.process, err)
		}
		return &p, nil
	}
	if len(args) == 0 {
		return nil, &usageError{"exec: expects a command after the container id (or --process FILE)"}
	}
	if c.Config == nil || c.Config.Process == nil {
		return nil, fmt.Errorf("container %q has no stored process", c.ID)
	}
	// A deep copy, through the generated codec (no reflection).
	var p specs.Process
	if err := specjson.UnmarshalProcess(specjson.AppendProcess(nil, c.Config.Process), &p); err != nil {
		return nil, err
	}
	p.Args = args
	p.Terminal = f.tty
	p.ConsoleSize = nil
	p.Env = append(p.Env, f.env...)
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if f.user != "" {
		uidStr, gidStr, hasGid := strings.Cut(f.user, ":")
		uid, err := strconv.ParseUint(uidStr, 10, 32)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("exec: --user %q: want uid[:gid]", f.user)}
		}
		p.User.UID = uint32(uid)
		if hasGid {
			gid, err := strconv.ParseUint(gidStr, 10, 32)
			if err != nil {
				return nil, &usageError{fmt.Sprintf("exec: --user %q: want uid[:gid]", f.user)}
			}
			p.User.GID = uint32(gid)
		}
	}
	for _, g := range f.gids {
		gid, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("exec: --additional-gids %q: not a number", g)}
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	if len(f.caps) > 0 {
		if p.Capabilities == nil {
			p.Capabilities = &specs.LinuxCapabilities{}
		}
		known := caps.Known()
		for _, name := range f.caps {
			n := strings.ToUpper(name)
			if !strings.HasPrefix(n, "CAP_") {
				n = "CAP_" + n
			}
			if _, ok := known[n]; !ok {
				return nil, &usageError{fmt.Sprintf("exec: --cap %q: unknown capability", name)}
			}
			// Never inheritable (CVE-2022-29162).
			p.Capabilities.Bounding = append(p.Capabilities.Bounding, n)
			p.Capabilities.Effective = append(p.Capabilities.Effective, n)
			p.Capabilities.Permitted = append(p.Capabilities.Permitted, n)
		}
	}
	if f.noNewPrivs {
		p.NoNewPrivileges = true
	}
	if f.apparmor != "" {
		p.ApparmorProfile = f.apparmor
	}
	if f.label != "" {
		p.SelinuxLabel = f.label
	}
	return &p, nil
}
