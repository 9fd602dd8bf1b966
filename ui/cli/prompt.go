package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
	"golang.org/x/term"
)

// EnvPassphrase holds the file keystore's passphrase for non-interactive use.
const EnvPassphrase = "SYSTEMBRUKER_PASSPHRASE"

// passphrase is handed to the file keystore, which calls it at most once.
func (f *Factory) passphrase() ([]byte, error) {
	if p := f.Getenv(EnvPassphrase); p != "" {
		return []byte(p), nil
	}
	if !f.CanPrompt() {
		return nil, fmt.Errorf("the file keystore needs a passphrase: set %s or run in a terminal", EnvPassphrase)
	}
	pass, err := f.readSecret("Keystore passphrase: ")
	if err != nil || f.runtime == nil || f.runtime.Keys.FileStoreExists() {
		return pass, err
	}
	// A new file store: a typo now would lock the user out of every key.
	again, err := f.readSecret("Repeat the passphrase: ")
	if err != nil {
		return nil, err
	}
	if string(again) != string(pass) {
		return nil, errors.New("the passphrases differ: nothing was stored; try again")
	}
	return pass, nil
}

// readSecret prompts on stderr and reads a line from the terminal without echo.
func (f *Factory) readSecret(prompt string) ([]byte, error) {
	fmt.Fprint(f.IO.ErrOut, prompt)
	defer fmt.Fprintln(f.IO.ErrOut)
	if file, ok := f.IO.In.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		return term.ReadPassword(int(file.Fd()))
	}
	return nil, errors.New("cannot read a secret without a terminal")
}

// readLine prompts on stderr and reads one line of plain input.
func (f *Factory) readLine(prompt string) (string, error) {
	fmt.Fprint(f.IO.ErrOut, prompt)
	line, err := bufio.NewReader(f.IO.In).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// confirmWrite guards remote writes. In prod it asks the user to type the
// environment's name (or takes --yes); elsewhere it asks y/N unless --yes.
// Without a terminal, --yes is required.
func (f *Factory) confirmWrite(envName, action string) error {
	if f.Yes {
		return nil
	}
	if !f.CanPrompt() {
		return usageErrorf("%s needs confirmation: pass --yes to confirm without a prompt", action)
	}
	if envName == "prod" {
		lipgloss.Fprintf(f.IO.ErrOut, "%s %s in PRODUCTION.\n", palette().ProdBadge.Render(" PROD "), action)
		answer, err := f.readLine(`Type "prod" to continue: `)
		if err != nil {
			return err
		}
		if answer != "prod" {
			return errCancelled
		}
		return nil
	}
	answer, err := f.readLine(fmt.Sprintf("%s? [y/N] ", action))
	if err != nil {
		return err
	}
	if a := strings.ToLower(answer); a != "y" && a != "yes" {
		return errCancelled
	}
	return nil
}
