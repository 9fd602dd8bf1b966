// Package selfservice is a typed client for Digdir's self-service API
// ("selvbetjenings-API"), which manages Maskinporten clients, their keys and
// the scopes an organisation may use.
//
// Every call is authenticated with a Maskinporten access token from the
// organisation's admin client. The package does not fetch that token itself:
// the caller supplies a TokenSource, and each call asks it for only the
// idporten:dcr.* scope the call needs.
//
// Digdir's key endpoint replaces the whole key set on every write. AddKey
// and RemoveKey therefore read the current set, merge, and write it back
// with every other key unchanged; use them rather than ReplaceJWKS unless
// the whole set is meant to change.
package selfservice
