package main

import (
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

func init() {
	register(&command{
		name:  "list",
		usage: "[--format table|json] [--quiet]",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var format string
			var quiet bool
			stringFlag(fs, &format, "format,f", "table", "table or json")
			boolFlag(fs, &quiet, "quiet,q", "print only ids")
			return func(g *globals, args []string) error {
				if err := needArgs("list", args, 0, 0, "no arguments"); err != nil {
					return err
				}
				states, err := g.runtime().List()
				if err != nil {
					return err
				}
				if quiet {
					for _, s := range states {
						fmt.Println(s.ID)
					}
					return nil
				}
				switch format {
				case "json":
					return printJSON(states)
				case "table":
					w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
					fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
					for _, s := range states {
						fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle,
							s.Created.Format(time.RFC3339Nano), s.Owner)
					}
					return w.Flush()
				}
				return &usageError{fmt.Sprintf("list: --format %q: want table or json", format)}
			}
		},
	})
}
