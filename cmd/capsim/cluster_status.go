package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/fixtures/cluster"
)

// pickRun returns the run named in args, or the only run on this machine.
func pickRun(ctx context.Context, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	st, err := cluster.RunStatus(ctx, "")
	if err != nil {
		return "", err
	}
	switch len(st) {
	case 0:
		return "", errors.New("no capsim cluster runs on this machine")
	case 1:
		for r := range st {
			return r, nil
		}
	}
	var runs []string
	for r := range st {
		runs = append(runs, r)
	}
	sort.Strings(runs)
	return "", invalid(fmt.Errorf("several runs: name one of %s", strings.Join(runs, ", ")))
}

func clusterStatus(cmd *cobra.Command, run string) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := cluster.RunStatus(ctx, run)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if len(st) == 0 {
		fmt.Fprintln(out, "no capsim cluster runs on this machine")
		return nil
	}
	var runs []string
	for r := range st {
		runs = append(runs, r)
	}
	sort.Strings(runs)
	for _, r := range runs {
		fmt.Fprintf(out, "run %s\n", r)
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  NODE\tSTATE\tCPU LIMIT\tCPU s\tTHROTTLED\tPROCESS\tREADY\tCPU s\tRESTARTS")
		for _, c := range st[r] {
			lim := "-"
			if c.CPULimit > 0 {
				lim = fmt.Sprintf("%.3g", c.CPULimit)
			}
			if c.Supervisor == nil {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t-\t-\t(supervisor not answering)\t\t\t\n", c.Node, c.State, lim)
				continue
			}
			s := c.Supervisor
			thr := "-"
			if s.Periods > 0 {
				thr = fmt.Sprintf("%.1f%%", 100*float64(s.ThrottledPeriods)/float64(s.Periods))
			}
			for i, p := range s.Processes {
				if i == 0 {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%.2f\t%s\t", c.Node, c.State, lim, s.CPUSeconds, thr)
				} else {
					fmt.Fprint(tw, "  \t\t\t\t\t")
				}
				fmt.Fprintf(tw, "%s\t%v\t%.2f\t%d\n", p.Name, p.Ready, p.CPUSeconds, p.Restarts)
			}
		}
		tw.Flush()
	}
	return nil
}
