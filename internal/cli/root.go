// Package cli builds the localyun command line: the root command and its
// subcommands. Each subcommand lives in its own file; main only calls Run.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every subcommand (DESIGN.md §5).
const (
	ExitOK       = 0
	ExitFailed   = 1 // the server refused or the operation failed
	ExitUsage    = 2 // bad usage or invalid input
	ExitMismatch = 3 // policy simulate --expect: the decision differs
)

// exitError carries an exit status and the message to print on stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, args...)}
}

// Run executes the command line args and returns the exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	}
	// cobra's own errors: unknown flags, commands, missing arguments.
	fmt.Fprintln(stderr, "localyun:", err)
	return ExitUsage
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "localyun",
		Short:         "An offline implementation of Alibaba Cloud's cross-account data access stack",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newPolicyCommand(), newServeCommand(), newAccountCommand(), newAuditCommand(), newCertCommand(), newBenchCommand(), newODPSCommand(), newHoloCommand(), newDataWorksCommand(), newDemoCommand())
	return root
}
