package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/readlimit"
	"github.com/systembruker/systembruker/keystore"
)

type keysImportOptions struct {
	Name          string
	PEM, JWK, P12 string
	PasswordFile  string
	PasswordStdin bool
	JSON          bool
}

func newKeysImportCmd(f *Factory) *cobra.Command {
	var o keysImportOptions
	cmd := &cobra.Command{
		Use:   "import --name NAME (--pem FILE | --jwk FILE | --p12 FILE)",
		Short: "Import an existing RSA private key or virksomhetssertifikat",
		Long: `Import an RSA private key: PEM (PKCS#1 or PKCS#8, optionally followed by its
certificate chain), a private JWK (its kid is kept), or a .p12 file such as a
virksomhetssertifikat (its chain is kept for x5c).

The .p12 password is read from the terminal, from --password-file, or from
standard input with --password-stdin; never from the command line.`,
		Example: "  systembruker keys import --name prod --pem key.pem\n" +
			"  systembruker keys import --name virksomhet --p12 cert.p12\n" +
			"  systembruker keys import --name ci --p12 cert.p12 --password-stdin < pw.txt",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysImport(f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Name, "name", "", "name for the key: letters, digits, . _ - (required)")
	fl.StringVar(&o.PEM, "pem", "", "PEM file with the private key (and optionally its certificates)")
	fl.StringVar(&o.JWK, "jwk", "", "file with a private RSA JWK")
	fl.StringVar(&o.P12, "p12", "", "PKCS#12 file (.p12/.pfx), e.g. a virksomhetssertifikat")
	fl.StringVar(&o.PasswordFile, "password-file", "", "read the .p12 password from this file")
	fl.BoolVar(&o.PasswordStdin, "password-stdin", false, "read the .p12 password from standard input")
	fl.BoolVar(&o.JSON, "json", false, "print the key's metadata as JSON on stdout")
	return cmd
}

// source returns the one key file given and its format.
func (o keysImportOptions) source() (flows.KeyFormat, string, error) {
	var given []string
	format, path := flows.KeyFormat(""), ""
	for _, c := range []struct {
		f    flows.KeyFormat
		path string
	}{{flows.FormatPEM, o.PEM}, {flows.FormatJWK, o.JWK}, {flows.FormatP12, o.P12}} {
		if c.path != "" {
			given = append(given, "--"+string(c.f))
			format, path = c.f, c.path
		}
	}
	if len(given) != 1 {
		return "", "", usageErrorf("give exactly one of --pem, --jwk or --p12 (got %d)", len(given))
	}
	if strings.Contains(path, "\n") || strings.Contains(path, "-----BEGIN") || strings.HasPrefix(strings.TrimSpace(path), "{") {
		return "", "", usageErrorf("--%s takes the name of a file, not the key itself: the command line is kept in shell history "+
			"and shown in the process list; give the file, or pipe the key in with --%s /dev/stdin", format, format)
	}
	return format, path, nil
}

func runKeysImport(f *Factory, o keysImportOptions) error {
	if o.Name == "" {
		return usageErrorf("--name is required: choose a name for the key (letters, digits, . _ -)")
	}
	if err := keystore.ValidName(o.Name); err != nil {
		return usageError{err}
	}
	format, path, err := o.source()
	if err != nil {
		return err
	}
	if format != flows.FormatP12 && (o.PasswordFile != "" || o.PasswordStdin) {
		return usageErrorf("--password-file and --password-stdin are for --p12 only")
	}
	password := ""
	if format == flows.FormatP12 {
		// Fail on a wrong path before asking for a password.
		if _, err := os.Stat(path); err != nil {
			return err
		}
		if password, err = f.p12Password(o, path); err != nil {
			return err
		}
	}
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	info, err := rt.ImportKey(o.Name, format, path, password)
	if errors.Is(err, keystore.ErrWrongPassword) {
		return &wrongPasswordError{file: path}
	}
	if err != nil {
		return err
	}
	if o.JSON {
		return printJSON(f.IO.Out, info)
	}
	f.successf("Imported key %s (RSA-%d, kid %s), stored in %s", info.Name, info.Bits, info.KID, whereStored(info.Storage))
	if c := info.Certificate; c != nil {
		f.infof("Certificate: %s, issued by %s, valid until %s", c.Subject, c.Issuer, c.NotAfter.Format("2006-01-02"))
		warnCertificateValidity(f, c)
	}
	return nil
}

// warnCertificateValidity says when an imported certificate cannot sign
// now. The key is imported all the same: it can still sign with a
// registered kid, and a renewed certificate may come early; keys list marks
// it expired too.
func warnCertificateValidity(f *Factory, c *keystore.CertInfo) {
	now := f.Now()
	switch {
	case now.After(c.NotAfter):
		f.warnf("The certificate expired on %s: Maskinporten refuses grants signed with it (--x5c). "+
			"Get a renewed virksomhetssertifikat from your CA and import that; the key can still sign with a kid registered on a client.",
			c.NotAfter.Format("2006-01-02"))
	case now.Before(c.NotBefore):
		f.warnf("The certificate is valid only from %s: grants signed with it (--x5c) fail until then.",
			c.NotBefore.Format("2006-01-02 15:04 UTC"))
	}
}

// maxPassword bounds a .p12 password read from a file or stdin: far above
// any real password, far below /dev/zero.
const maxPassword = 4 << 10

// p12Password reads the .p12 password from a file, stdin or the terminal.
func (f *Factory) p12Password(o keysImportOptions, path string) (string, error) {
	switch {
	case o.PasswordFile != "" && o.PasswordStdin:
		return "", usageErrorf("give either --password-file or --password-stdin, not both")
	case o.PasswordFile != "":
		b, err := readlimit.File(o.PasswordFile, maxPassword, "the password file")
		if err != nil {
			return "", fmt.Errorf("read the .p12 password: %w", err)
		}
		return trimNewline(b), nil
	case o.PasswordStdin:
		b, err := readlimit.All(f.IO.In, maxPassword, "the password on standard input")
		if err != nil {
			return "", fmt.Errorf("read the .p12 password from stdin: %w", err)
		}
		return trimNewline(b), nil
	case !f.CanPrompt():
		return "", usageErrorf("%s needs its password: pass --password-file FILE or --password-stdin, or run in a terminal to be asked", path)
	}
	b, err := f.readSecret(fmt.Sprintf("Password for %s: ", path))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// trimNewline drops the one line ending that `echo` and editors add; other
// whitespace may be part of the password.
func trimNewline(b []byte) string {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return string(bytes.TrimSuffix(b, []byte("\r")))
}

// wrongPasswordError names the file whose password was wrong.
type wrongPasswordError struct{ file string }

func (e *wrongPasswordError) Error() string { return "wrong password for " + e.file }
func (e *wrongPasswordError) Unwrap() error { return keystore.ErrWrongPassword }
func (e *wrongPasswordError) Hint() string {
	return "check the password that came with the certificate and try again"
}
