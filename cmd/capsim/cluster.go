package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/fixtures/cluster"
	"github.com/capsim/capsim/fixtures/images"
	"github.com/capsim/capsim/scenarios"
)

type clusterFlags struct {
	scale   float64
	run     string
	cpuset  string
	sets    []string
	all     bool
	timeout time.Duration
	dry     bool
}

func init() {
	var f clusterFlags
	c := &cobra.Command{
		Use:   "cluster",
		Short: "Start, inspect and remove a containerized miniature of a scenario's deployment",
		Long: `capsim cluster starts a scaled-down, faithful miniature of a scenario's deployment as
containers on this machine: one container per node (CPU limit = cores × scale), running the real
servers the scenario names (HAProxy, NGINX, PostgreSQL with streaming replicas or Patroni + etcd,
PgBouncer, Redis with Sentinel) and capsim's service emulator for the services themselves.

Images come from capsim images build (built offline, cached). Published ports bind to 127.0.0.1
only; every container and network carries the run's labels and is removed by capsim cluster down.`,
	}
	up := &cobra.Command{
		Use:   "up SCENARIO",
		Short: "Start the miniature and print its entry points (127.0.0.1 addresses)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return clusterUp(cmd, args[0], &f) },
	}
	up.Flags().Float64Var(&f.scale, "scale", 0, "cores × scale = each node's CPU limit (default: the scenario's cluster.scale, else what fits the model nodes into one core)")
	up.Flags().StringVar(&f.run, "run", "", "run name (default <scenario>-<time>)")
	up.Flags().StringVar(&f.cpuset, "cpuset", defaultCPUSet(), "pin the cluster's containers to these CPUs, leaving the others to the load generator (\"\" = no pinning)")
	up.Flags().StringArrayVar(&f.sets, "set", nil, "override a scenario value (repeatable)")
	up.Flags().DurationVar(&f.timeout, "timeout", 4*time.Minute, "start-up bound per container")
	up.Flags().BoolVar(&f.dry, "dry-run", false, "print the containers, processes and entry points without starting anything")
	status := &cobra.Command{
		Use:   "status [RUN]",
		Short: "Show the runs on this machine: containers, health, CPU limit and per-process CPU time",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run := ""
			if len(args) == 1 {
				run = args[0]
			}
			return clusterStatus(cmd, run)
		},
	}
	down := &cobra.Command{
		Use:   "down [RUN]",
		Short: "Remove every container and network of a run (all runs with --all); idempotent",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if f.all {
				if err := cluster.DownAll(ctx, ""); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "removed every capsim cluster container and network")
				return nil
			}
			run, err := pickRun(ctx, args)
			if err != nil {
				return err
			}
			if err := cluster.ValidRun(run); err != nil {
				return invalid(err)
			}
			if err := cluster.Down(ctx, run, ""); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed run %s\n", run)
			return nil
		},
	}
	down.Flags().BoolVar(&f.all, "all", false, "remove the leftovers of every run, crashed ones included")
	c.AddCommand(up, status, down)
	rootCmd.AddCommand(c)
}

// defaultCPUSet pins the cluster to the last CPU on a machine with two or more (DESIGN.md:
// the cluster on one core, the load generator on the other).
func defaultCPUSet() string {
	if n := runtime.NumCPU(); n >= 2 {
		return fmt.Sprint(n - 1)
	}
	return ""
}

func clusterUp(cmd *cobra.Command, arg string, f *clusterFlags) error {
	out := cmd.OutOrStdout()
	if f.run != "" {
		if err := cluster.ValidRun(f.run); err != nil {
			return invalid(err)
		}
	}
	sc, err := loadScenario(arg, scenarios.WithSet(f.sets...))
	if err != nil {
		return invalid(err)
	}
	scale := f.scale
	if scale == 0 && sc.Cluster != nil {
		scale = sc.Cluster.Scale
	}
	top, err := cluster.Build(sc, cluster.Options{Scale: scale, Seed: sc.Sim.Seed})
	if err != nil {
		return invalid(err)
	}
	if f.dry {
		printTopology(out, top)
		return nil
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	img, err := images.NodeImage(ctx, images.Options{Out: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	cl, err := cluster.Up(ctx, top, cluster.UpOptions{Image: img, Run: f.run, CPUSet: f.cpuset, Keep: true,
		StartTimeout: f.timeout, Log: cmd.ErrOrStderr()})
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: 130, err: errors.New("interrupted: everything started was removed")}
		}
		return err
	}
	fmt.Fprintf(out, "run %s: %s at scale %.4g (%d containers)\n", cl.Run, top.Scenario, top.Scale, len(top.Containers))
	for _, e := range cl.Entries {
		fmt.Fprintf(out, "  %-6s %-22s %s (%s %s) flows: %s\n", e.Protocol, e.URL(), e.Service, e.Balancer, e.Policy, strings.Join(e.Flows, ", "))
	}
	for _, n := range top.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	fmt.Fprintf(out, "drive it with: capsim load %s --cluster %s\nremove it with: capsim cluster down %s\n", arg, cl.Run, cl.Run)
	return nil
}

func printTopology(w interface{ Write([]byte) (int, error) }, t *cluster.Topology) {
	fmt.Fprintf(w, "%s at scale %.4g\n", t.Scenario, t.Scale)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER\tCPU LIMIT\tMEMORY\tPROCESSES")
	for _, c := range t.Containers {
		lim := "none"
		if c.CPUs > 0 {
			lim = fmt.Sprintf("%.3g", c.CPUs)
		}
		mem := "none"
		if c.MemoryBytes > 0 {
			mem = fmt.Sprintf("%d MiB", c.MemoryBytes>>20)
		}
		var ps []string
		for _, p := range c.Spec.Processes {
			ps = append(ps, p.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, lim, mem, strings.Join(ps, ", "))
	}
	tw.Flush()
	for _, e := range t.Entries {
		fmt.Fprintf(w, "entry %s %s:%d → %s (%s %s), flows %s\n", e.Protocol, e.Container, e.Port, e.Service, e.Balancer, e.Policy, strings.Join(e.Flows, ", "))
	}
}
