// Command capsim is the CLI of capsim: a capacity model (run, lint, schema) and load generators
// (load, merge, trace). Each subcommand lives in its own file and registers itself in init.
//
// Exit codes:
//
//	0   ran, and the SLO holds at design load (load: a valid, complete run whose thresholds,
//	    the default http_req_failed rate<0.01 included, passed)
//	2   invalid input (scenario file, flags, output folder); nothing ran
//	99  ran, but the SLO is breached at design load or the capacity is below it (load: a
//	    threshold failed), as k6 does
//	98  load: invalid measurement — the schedule was not kept (the generator was late, or the
//	    target's concurrency limit held it back; the message says which; with --k6: k6
//	    dropped iterations) or the generator used its whole CPU
//	3   aborted by a limit (run: --timeout, the event limit of a replication; load: its
//	    request cap, its duration bound, VUs abandoned after gracefulStop; --k6: k6 still
//	    running past its limit)
//	130 interrupted (Ctrl-C, SIGTERM)
//	1   anything else (an I/O error, load stopped by Ctrl-C, a crash: the stack trace goes to
//	    a file, never exit 2)
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/reports"
	"github.com/capsim/capsim/sim"
)

// maxListedProblems is how many problems of one scenario file are printed; the rest are
// counted ("… and 98,950 more problems").
const maxListedProblems = 50

// maxErrorLines bounds any error message printed: longer ones end with "… and N more lines".
const maxErrorLines = 400

// boundLines keeps the first max lines of s and counts the rest.
func boundLines(s string, max int) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			n++
			if n == max {
				rest := strings.Count(s[i+1:], "\n") + 1
				return s[:i] + fmt.Sprintf("\n… and %d more lines", rest)
			}
		}
	}
	return s
}

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitInvalid     = 2
	ExitAborted     = 3
	ExitSLOBreached = 99
	// ExitMeasurementInvalid: capsim load measured, but the run did not keep its schedule.
	ExitMeasurementInvalid = 98
	ExitInterrupted        = 130
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

func run(args []string) (code int) {
	defer resetRedaction() // last: the crash message below is still redacted
	defer func() {
		// a crash is a bug, never "invalid input": a short message, the trace in a file
		if v := recover(); v != nil {
			code = crashed(v, debug.Stack())
		}
	}()
	rootCmd.SetArgs(args)
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return invalid(err) })
	err := rootCmd.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "capsim:", reports.TerminalSafe(boundLines(redact(ee.err.Error()), maxErrorLines), true))
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "capsim:", reports.TerminalSafe(boundLines(redact(err.Error()), maxErrorLines), true))
	return ExitError
}

// crashed reports a panic: one line on stderr and the stack trace (the panicking replication's,
// when the simulation kernel panicked) in a temporary file. It returns ExitError.
func crashed(v any, stack []byte) int {
	var p *sim.Panic
	if e, ok := v.(error); ok && errors.As(e, &p) {
		v, stack = p.Value, p.Stack
	}
	where := "(could not write the stack trace)"
	if f, err := os.CreateTemp("", "capsim-crash-*.txt"); err == nil {
		fmt.Fprintf(f, "capsim crashed: %s\n\n%s", redact(fmt.Sprint(v)), stack)
		f.Close()
		where = f.Name()
	}
	fmt.Fprintf(os.Stderr, "capsim: internal error (a bug, please report it): %s\ncapsim: stack trace written to %s\n", reports.TerminalSafe(redact(fmt.Sprint(v)), false), where)
	return ExitError
}
