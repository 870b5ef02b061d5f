package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
	"github.com/spf13/cobra"
)

var lintSets []string

var lintCmd = &cobra.Command{
	Use:   "lint FILE...",
	Short: "Validate scenario files (paths or built-in names) and report every problem",
	Long: `Validate scenario files without running them. FILE is a path or the name of a built-in
scenario (` + "`capsim lint medium examples/mm1`" + `). Files a scenario includes or extends are checked
with it, and a loadtest section is read as capsim load reads it (executor, thresholds, trace).
Prints "ok NAME" for each valid file (and the other files it is composed of), or every
problem as file:line:col with the source line, in whichever file it was written. Exit 2 when any
file is invalid.`,
	Args: func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(1)(cmd, args); err != nil {
			return invalid(err)
		}
		return nil
	},
	RunE: func(cmd *cobra.Command, args []string) error {
		out, errOut := io.Writer(termWriter{cmd.OutOrStdout()}), io.Writer(termWriter{cmd.ErrOrStderr()})
		bad := 0
		for _, arg := range args {
			sc, err := loadScenario(arg, scenarios.WithSet(lintSets...))
			if err == nil && sc.LoadTest != nil {
				// the loadtest section as capsim load reads it: executor, thresholds, trace
				if _, perr := loadgen.NewPlan(sc, sc.LoadTest, scenarioDir(arg)); perr != nil {
					bad++
					fmt.Fprintf(errOut, "%s: loadtest: %s\n", arg, strings.ReplaceAll(perr.Error(), "\n", "\n"+arg+": loadtest: "))
					continue
				}
			}
			if err == nil {
				if len(sc.Files) > 1 {
					fmt.Fprintf(out, "ok %s (%s; with %s)\n", arg, sc.Name, strings.Join(sc.Files[1:], ", "))
				} else {
					fmt.Fprintf(out, "ok %s (%s)\n", arg, sc.Name)
				}
				continue
			}
			bad++
			var list scenarios.ErrorList
			if errors.As(err, &list) {
				fmt.Fprintln(errOut, list.VerboseN(maxListedProblems))
			} else {
				fmt.Fprintf(errOut, "%s: %v\n", arg, err)
			}
		}
		if bad > 0 {
			return invalid(fmt.Errorf("%d of %d scenario files invalid", bad, len(args)))
		}
		return nil
	},
}

func init() {
	lintCmd.Flags().StringArrayVar(&lintSets, "set", nil, "override a scenario value, e.g. --set load.design=8000 (repeatable)")
	rootCmd.AddCommand(lintCmd)
}
