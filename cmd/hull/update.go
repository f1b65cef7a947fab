package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/container"
)

func init() {
	register(&command{
		name:  "update",
		usage: "[-r FILE|-] [--memory SIZE] [--cpu-quota N] ... ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var resources string
			stringFlag(fs, &resources, "resources,r", "", "OCI LinuxResources JSON file, or - for stdin (other resource flags are then not allowed)")
			values := map[string]*string{}
			for _, n := range container.UpdateFlagNames {
				values[n] = new(string)
				fs.StringVar(values[n], n, "", "update "+n)
			}
			var l3, memBW string
			fs.StringVar(&l3, "l3-cache-schema", "", "Intel RDT L3 cache schema (not supported)")
			fs.StringVar(&memBW, "mem-bw-schema", "", "Intel RDT memory bandwidth schema (not supported)")
			return func(g *globals, args []string) error {
				if err := needArgs("update", args, 1, 1, "a container id"); err != nil {
					return err
				}
				var given []container.UpdateFlag
				var names []string
				fs.Visit(func(f *flag.Flag) {
					if v, ok := values[f.Name]; ok {
						given = append(given, container.UpdateFlag{Name: f.Name, Value: *v})
						names = append(names, "--"+f.Name)
					}
				})
				if l3 != "" || memBW != "" {
					return fmt.Errorf("update: --l3-cache-schema and --mem-bw-schema (Intel RDT) are not supported by hull")
				}
				var patch *specs.LinuxResources
				var err error
				what := strings.Join(names, " ")
				if resources != "" {
					if len(given) > 0 {
						return &usageError{fmt.Sprintf("update: --resources cannot be combined with %s", what)}
					}
					what = "--resources " + resources
					patch, err = readResources(resources)
				} else {
					if len(given) == 0 {
						return &usageError{"update: no resource to change (give --resources or a resource flag)"}
					}
					patch, err = container.ResourcesFromFlags(given)
				}
				if err != nil {
					return err
				}
				return g.runtime().Update(args[0], patch, what)
			}
		},
	})
}

func readResources(path string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("update: --resources: %w", err)
		}
		defer f.Close()
		in = f
	}
	return container.ParseResources(in)
}
