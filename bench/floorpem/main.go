// Command floorpem is the floor with the key PEM read from a file instead of
// the OS keychain; floor against floorpem shows what the keychain costs.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/systembruker/systembruker/bench/internal/floor"
)

func main() {
	g := floor.Flags(flag.CommandLine)
	file := flag.String("pem", "", "PKCS#8 PEM file with the private key")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "floorpem: -pem is required")
		os.Exit(2)
	}
	if err := g.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "floorpem:", err)
		os.Exit(2)
	}
	keyPEM, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorpem:", err)
		os.Exit(1)
	}
	tok, err := floor.Token(g, keyPEM)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorpem:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
