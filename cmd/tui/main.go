// Command systembruker is the terminal wizard and CLI for Altinn system users.
// The command tree lives in ui/cli; this file only runs it.
package main

import (
	"os"

	"github.com/systembruker/systembruker/ui/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
