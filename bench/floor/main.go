// Command floor is the benchmark's floor: a minimal program that reads the
// key PEM from the OS keychain with go-keyring, signs one Maskinporten grant
// and POSTs it. `systembruker token` is measured against it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/zalando/go-keyring"

	"github.com/systembruker/systembruker/bench/internal/floor"
)

func main() {
	g := floor.Flags(flag.CommandLine)
	service := flag.String("service", "systembruker", "keychain service")
	account := flag.String("account", "", `keychain account holding the PKCS#8 PEM, "key:<name>"`)
	flag.Parse()
	if *account == "" {
		fmt.Fprintln(os.Stderr, "floor: -account is required")
		os.Exit(2)
	}
	if err := g.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	keyPEM, err := keyring.Get(*service, *account)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor: keychain:", err)
		os.Exit(1)
	}
	tok, err := floor.Token(g, []byte(keyPEM))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
