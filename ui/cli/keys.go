package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

func init() { register("keys", newKeysCmd) }

func newKeysCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, import, list and delete the RSA keys that sign Maskinporten grants",
		Long: `Manage the RSA key pairs your Maskinporten client signs its grants with.

Private keys live in the OS keychain (macOS Keychain, Windows Credential
Manager, the Secret Service on Linux). Keys too big for a keychain item
(RSA-3072/4096, a virksomhetssertifikat with its chain) are kept in an
age-encrypted file whose key is in the keychain. Without a keychain, use
--keystore file: age files under a passphrase (prompted, or
SYSTEMBRUKER_PASSPHRASE). Private keys are never written in the clear.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newKeysGenerateCmd(f), newKeysImportCmd(f), newKeysListCmd(f),
		newKeysPublicCmd(f), newKeysDeleteCmd(f), newKeysRotateCmd(f))
	return cmd
}

// whereStored says in words where a key's private part is.
func whereStored(s keystore.Storage) string {
	switch s {
	case keystore.InKeychain:
		return "the OS keychain"
	case keystore.InKeychainFile:
		return "an encrypted file whose key is in the OS keychain"
	case keystore.InFile:
		return "the passphrase-encrypted file store"
	}
	return string(s)
}

type keysGenerateOptions struct {
	Name string
	Bits int
	JSON bool
}

func newKeysGenerateCmd(f *Factory) *cobra.Command {
	var o keysGenerateOptions
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a new RSA key pair in the keystore",
		Long: `Generate a new RSA key pair. The key id (kid) is its RFC 7638 thumbprint.
Without --name the key is named after the profile, environment and date.`,
		Example: "  systembruker keys generate\n  systembruker keys generate --name prod-2026 --bits 3072",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return runKeysGenerate(f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Name, "name", "", "key name: letters, digits, . _ - (default: <profile>-<env>-<date>)")
	fl.IntVar(&o.Bits, "bits", 2048, "key size: 2048, 3072 or 4096")
	fl.BoolVar(&o.JSON, "json", false, "print the key's metadata as JSON on stdout")
	return cmd
}

func runKeysGenerate(f *Factory, o keysGenerateOptions) error {
	switch {
	case o.Bits < 2048:
		return usageErrorf("--bits %d: RSA keys below 2048 bits are refused by Maskinporten guidance; use 2048, 3072 or 4096", o.Bits)
	case o.Bits != 2048 && o.Bits != 3072 && o.Bits != 4096:
		return usageErrorf("--bits %d: choose 2048, 3072 or 4096", o.Bits)
	}
	if o.Name != "" {
		if err := keystore.ValidName(o.Name); err != nil {
			return usageError{err}
		}
	}
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	info, err := rt.GenerateKey(o.Name, o.Bits)
	if err != nil {
		return err
	}
	if o.JSON {
		return printJSON(f.IO.Out, info)
	}
	f.successf("Generated key %s (RSA-%d, kid %s), stored in %s", info.Name, info.Bits, info.KID, whereStored(info.Storage))
	f.infof("Its public key, for the Maskinporten client: `systembruker keys public %s`", info.Name)
	return nil
}

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
	}
	return nil
}

// p12Password reads the .p12 password from a file, stdin or the terminal.
func (f *Factory) p12Password(o keysImportOptions, path string) (string, error) {
	switch {
	case o.PasswordFile != "" && o.PasswordStdin:
		return "", usageErrorf("give either --password-file or --password-stdin, not both")
	case o.PasswordFile != "":
		b, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read the .p12 password: %w", err)
		}
		return trimNewline(b), nil
	case o.PasswordStdin:
		b, err := io.ReadAll(f.IO.In)
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

type keysPublicOptions struct {
	Name string
	JWKS bool
}

func newKeysPublicCmd(f *Factory) *cobra.Command {
	var o keysPublicOptions
	cmd := &cobra.Command{
		Use:   "public NAME",
		Short: "Print a key's public JWK (or JWKS) for the Maskinporten client",
		Long: `Print the public half of a key as a JWK: kty, n, e, kid, alg RS256, use sig,
and x5c when the key came with a certificate. No private part is ever printed.`,
		Example: "  systembruker keys public prod\n  systembruker keys public prod --jwks > jwks.json",
		Args:    keysNameArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return runKeysPublic(f, o)
		},
	}
	cmd.Flags().BoolVar(&o.JWKS, "jwks", false, `wrap the key in a JWK Set ({"keys": [...]})`)
	return cmd
}

func runKeysPublic(f *Factory, o keysPublicOptions) error {
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	if o.JWKS {
		set, err := rt.PublicJWKS(o.Name)
		if err != nil {
			return err
		}
		return printJSON(f.IO.Out, set)
	}
	jwk, err := rt.Keys.PublicJWK(o.Name)
	if err != nil {
		return err
	}
	return printJSON(f.IO.Out, jwk)
}

// keysNameArg requires exactly one argument, the key name, with a message
// that says where to find names.
func keysNameArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErrorf("`%s` needs one key name (see `systembruker keys list`)", cmd.CommandPath())
	}
	return nil
}
