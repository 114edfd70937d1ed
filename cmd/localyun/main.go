// Command localyun runs the localyun server and its clients: one binary,
// with subcommands (see `localyun --help`).
package main

import (
	"os"

	"github.com/localyun/localyun/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
