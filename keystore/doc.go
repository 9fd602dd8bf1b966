// Package keystore keeps systembruker's RSA keys (the ones Maskinporten
// grants are signed with) and other small secrets, such as cached tokens.
//
// Private key material never lands on disk in the clear. By default it lives
// in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret
// Service on Linux) through github.com/zalando/go-keyring. Keychains limit the
// size of an item (Windows about 2,560 bytes, macOS about 3,000), so a secret
// longer than 2000 bytes (RSA-3072/4096, a virksomhetssertifikat with its
// chain) is encrypted with age to <Dir>/<name>.age and only the file's X25519
// identity goes into the keychain. The same threshold applies on every OS, so
// behaviour is identical and testable on Linux. Deleting that identity
// crypto-shreds the file.
//
// When no keychain is reachable (a headless server or container), the caller
// may opt in to the File backend: every secret is an age file encrypted to
// one X25519 store identity, which is itself kept in <Dir>/identity.age under
// a passphrase (age scrypt). The passphrase is asked for at most once per
// Store, so the slow scrypt step runs once however many secrets are read.
//
// Non-secret metadata (name, kid, size, public JWK, certificate details) is
// kept in <Dir>/<name>.json so that listing keys never touches the keychain.
//
// Every keychain call runs with a timeout, because a locked Secret Service
// collection can wait forever for a password prompt nobody will see. On Linux
// the package checks for a D-Bus session bus before calling go-keyring, since
// without one godbus would try to autolaunch a dbus-daemon and leave it
// running. Both situations surface as an *UnavailableError that explains the
// problem and the fix.
package keystore
