package main

import (
	"flag"

	"github.com/hull-runtime/hull/internal/cgroups"
	"github.com/hull-runtime/hull/internal/intelrdt"
	"github.com/hull-runtime/hull/internal/procattr"
	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/spec"
)

func init() {
	register(&command{
		name:  "features",
		usage: "",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			return func(g *globals, args []string) error {
				if err := needArgs("features", args, 0, 0, "no arguments"); err != nil {
					return err
				}
				mode, _ := cgroups.DetectMode()
				actions, operators, archs, flags := seccomp.Supported()
				fs := spec.FeatureSet{
					CgroupV1:         mode == cgroups.Legacy || mode == cgroups.Hybrid,
					CgroupV2:         mode == cgroups.Unified || mode == cgroups.Hybrid,
					Seccomp:          true,
					SeccompActions:   actions,
					SeccompOperators: operators,
					SeccompArchs:     archs,
					SeccompFlags:     flags,
					AppArmor:         procattr.AppArmorEnabled(),
					IntelRdt:         intelrdt.Available(),
				}
				return printJSON(spec.Features(fs))
			}
		},
	})
}
