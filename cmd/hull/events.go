package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
)

func init() {
	register(&command{
		name:  "events",
		usage: "[--stats] [--interval 5s] ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var once bool
			interval := 5 * time.Second
			boolFlag(fs, &once, "stats", "print the container's stats once and exit")
			fs.DurationVar(&interval, "interval", interval, "time between stats events")
			return func(g *globals, args []string) error {
				if err := needArgs("events", args, 1, 1, "a container id"); err != nil {
					return err
				}
				rt := g.runtime()
				if once {
					ev, err := rt.StatsEvent(args[0])
					if err != nil {
						return err
					}
					if err := json.NewEncoder(os.Stdout).Encode(ev); err != nil {
						return fmt.Errorf("events: write: %w", err)
					}
					return nil
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
				defer stop()
				return rt.Events(ctx, args[0], interval, os.Stdout)
			}
		},
	})
}
