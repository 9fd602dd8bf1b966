package sim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// A simulator with a state file keeps its own signing keys beside it, so
// that every process serving that state (each CLI command's embedded
// sandbox, `sim serve`) signs with the same keys: a token from one command
// verifies in the next, and may be cached.
//
// The file holds private keys in the clear, mode 0600 in the state's 0700
// folder. That is acceptable because they are a simulator's keys: they sign
// tokens that only this simulator accepts, and nothing real trusts them. The
// user's own keys never come here; they stay in the OS keychain.

const keyFileVersion = 1

// keyFile is the on-disk form: PKCS #8 DER of each key.
type keyFile struct {
	Version      int    `json:"version"`
	Note         string `json:"note"`
	Maskinporten []byte `json:"maskinporten"`
	Altinn       []byte `json:"altinn"`
}

const keyFileNote = "The simulator's own signing keys, not yours: they sign the sandbox's tokens. Deleting this file makes new ones."

// keyFilePath names the key file of a state file: state.json ->
// state.signing-keys.json.
func keyFilePath(statePath string) string {
	return strings.TrimSuffix(statePath, ".json") + ".signing-keys.json"
}

// loadSigningKeys reads the key file beside statePath, or makes new keys and
// writes them there if it is missing. Generation runs outside the lock (it
// takes a good part of a second); the write happens under the state's lock
// and only if no other process wrote keys meanwhile, so that all processes
// end up with the same keys.
func loadSigningKeys(statePath string) (mp, altinn *signingKey, err error) {
	path := keyFilePath(statePath)
	mp, altinn, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return mp, altinn, err
	}
	if mp, err = newSigningKey(); err != nil {
		return nil, nil, err
	}
	if altinn, err = newSigningKey(); err != nil {
		return nil, nil, err
	}
	unlock, err := lockFile(statePath + ".lock")
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if theirs, theirAltinn, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return theirs, theirAltinn, err
	}
	if err := writeKeyFile(path, mp, altinn); err != nil {
		return nil, nil, err
	}
	return mp, altinn, nil
}

func readKeyFile(path string) (mp, altinn *signingKey, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	damaged := func(why string) error {
		return fmt.Errorf("sim: signing key file %s %s: delete it to make new keys (tokens issued before then will no longer verify)", path, why)
	}
	var f keyFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, damaged("is not valid JSON")
	}
	if f.Version != keyFileVersion {
		return nil, nil, damaged(fmt.Sprintf("has version %d, this simulator reads version %d", f.Version, keyFileVersion))
	}
	if mp, err = parseSigningKey(f.Maskinporten); err != nil {
		return nil, nil, damaged("has no valid Maskinporten key")
	}
	if altinn, err = parseSigningKey(f.Altinn); err != nil {
		return nil, nil, damaged("has no valid Altinn key")
	}
	return mp, altinn, nil
}

func writeKeyFile(path string, mp, altinn *signingKey) error {
	f := keyFile{Version: keyFileVersion, Note: keyFileNote}
	var err error
	if f.Maskinporten, err = x509.MarshalPKCS8PrivateKey(mp.priv); err != nil {
		return err
	}
	if f.Altinn, err = x509.MarshalPKCS8PrivateKey(altinn.priv); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("sim: save signing keys: %w", err)
	}
	return nil
}

func parseSigningKey(der []byte) (*signingKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() < minRSABits {
		return nil, errors.New("not an RSA key of 2048 bits or more")
	}
	return &signingKey{priv: priv, kid: thumbprint(&priv.PublicKey)}, nil
}
