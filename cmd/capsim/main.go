// Command capsim is the CLI of capsim: a capacity model (run, lint, schema) and load generators
// (load, merge, trace). Each subcommand lives in its own file and registers itself in init.
//
// Exit codes:
//
//	0   ran, and the SLO holds at design load (load: thresholds passed)
//	2   invalid input (scenario file, flags); nothing ran
//	99  ran, but the SLO is breached at design load (load: a threshold failed), as k6 does
//	1   anything else (a crash, an I/O error)
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitInvalid     = 2
	ExitSLOBreached = 99
)

// exitError carries an exit code out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// invalid marks err as bad input (exit 2).
func invalid(err error) error { return &exitError{code: ExitInvalid, err: err} }

var rootCmd = &cobra.Command{
	Use:           "capsim",
	Short:         "Capacity simulation and load testing for multi-tier systems",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	rootCmd.SetArgs(args)
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return invalid(err) })
	err := rootCmd.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "capsim:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "capsim:", err)
	return ExitError
}
