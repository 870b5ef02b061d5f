package k6script

import "syscall"

// procAttr runs k6 in a process group of its own, so a Ctrl-C at the terminal reaches only the
// caller, which stops k6 through Run's context with exactly one SIGINT (k6 aborts without its
// summary on a second one); and k6 gets SIGINT if the caller dies first.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
}
