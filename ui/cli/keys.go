package cli

import (
	"github.com/spf13/cobra"

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
