package keystore

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// ScanForPrivateKeys walks dirs and returns files that contain private key
// material in the clear: "PRIVATE KEY-----" PEM headers, a JSON object with
// an RSA "d" member alongside "n" and "e" (a private JWK), or a DER PKCS#1 or
// PKCS#8 RSA private key, raw or base64-encoded, anywhere in the file.
// Missing dirs are skipped. It backs the "no private key material in the
// clear" check in tests across the project.
func ScanForPrivateKeys(dirs ...string) ([]string, error) {
	var found []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && path == dir {
					return filepath.SkipDir
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if hasPrivateKey(data) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

func hasPrivateKey(data []byte) bool {
	return bytes.Contains(data, []byte("PRIVATE KEY-----")) ||
		hasPrivateJWK(data) ||
		hasDERKey(data) ||
		hasBase64Key(data)
}

// hasPrivateJWK reports whether data is JSON with a private RSA JWK anywhere
// inside it (a JWKS, or a JWK nested in a state file).
func hasPrivateJWK(data []byte) bool {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			_, d := v["d"]
			_, n := v["n"]
			_, e := v["e"]
			if d && n && e {
				return true
			}
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// hasDERKey looks for an ASN.1 SEQUENCE at every offset that parses as an
// RSA private key. Key structures are long, so their length is in long form
// (0x30 0x82 for up to 64 KiB, 0x83 beyond).
func hasDERKey(data []byte) bool {
	for i := 0; i+4 <= len(data); i++ {
		if data[i] != 0x30 || (data[i+1] != 0x82 && data[i+1] != 0x83) {
			continue
		}
		n, hdr := 0, 2+int(data[i+1]&0x7f)
		if i+hdr > len(data) {
			continue
		}
		for _, b := range data[i+2 : i+hdr] {
			n = n<<8 | int(b)
		}
		end := i + hdr + n
		if end > len(data) {
			continue
		}
		if isRSAPrivateDER(data[i:end]) {
			return true
		}
	}
	return false
}

func isRSAPrivateDER(der []byte) bool {
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParsePKCS8PrivateKey(der)
	return err == nil
}

// base64DER matches base64 (standard or URL alphabet) that starts like a DER
// SEQUENCE with a two-byte length, "MII", long enough to be a key.
var base64DER = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`MII[A-Za-z0-9+/_\-]{500,}`) })

func hasBase64Key(data []byte) bool {
	for _, m := range base64DER().FindAll(data, -1) {
		if len(m)%4 == 1 {
			m = m[:len(m)-1] // no base64 text has this length; the run overshot
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			der, err := enc.DecodeString(string(m))
			if err == nil && hasDERKey(der) {
				return true
			}
		}
	}
	return false
}
