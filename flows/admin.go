package flows

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/keystore"
)

// SetAdmin records the admin ("selvbetjenings-") client that may call
// Digdir's self-service API for this profile and environment, and the key
// it signs with: a key whose kid is registered on the admin client, or a
// virksomhetssertifikat imported into the keystore (its grants carry the
// certificate chain). Either value may be "" to keep the recorded one.
func (r *Runtime) SetAdmin(clientID, keyName string) error {
	clientID = strings.TrimSpace(clientID)
	if clientID == "" {
		clientID = r.Facts.AdminClientID
	}
	if keyName == "" {
		keyName = r.Facts.AdminKey
	}
	if clientID == "" || keyName == "" {
		return &NoAdminError{Env: r.Env.Name}
	}
	if err := selfservice.ValidClientID(clientID); err != nil {
		return fmt.Errorf("admin client id: %w", err)
	}
	if _, err := r.Keys.Info(keyName); err != nil {
		return err
	}
	if clientID == r.Facts.AdminClientID && keyName == r.Facts.AdminKey {
		return nil
	}
	r.Facts.AdminClientID, r.Facts.AdminKey = clientID, keyName
	return r.SaveProfile()
}

// ClearAdmin forgets the admin client (the key stays in the keystore). In
// the embedded sandbox the next command that needs it registers a fresh key.
func (r *Runtime) ClearAdmin() error {
	r.Facts.AdminClientID, r.Facts.AdminKey = "", ""
	return r.SaveProfile()
}

// AdminStatus describes the admin client for `admin show`.
type AdminStatus struct {
	ClientID string `json:"client_id,omitempty"`
	KeyName  string `json:"key_name,omitempty"`
	KID      string `json:"kid,omitempty"`
	// SignsWith is "kid" (a key registered on the admin client) or "x5c"
	// (a virksomhetssertifikat).
	SignsWith string `json:"signs_with,omitempty"`
	// Bootstrap is true when no admin client is recorded but the embedded
	// sandbox will set one up on first use.
	Bootstrap bool `json:"sandbox_bootstrap,omitempty"`
}

// Admin reports the recorded admin client. It reads local state only.
func (r *Runtime) Admin() (AdminStatus, error) {
	s := AdminStatus{ClientID: r.Facts.AdminClientID, KeyName: r.Facts.AdminKey}
	if s.ClientID == "" || s.KeyName == "" {
		s.Bootstrap = r.Env.Embedded
		return s, nil
	}
	info, err := r.Keys.Info(s.KeyName)
	if err != nil {
		return s, err
	}
	s.KID, s.SignsWith = info.KID, "kid"
	if info.Certificate != nil {
		s.KID, s.SignsWith = "", "x5c"
	}
	return s, nil
}

// SelfService returns a client of this environment's self-service API,
// authenticated as the admin client. In the embedded sandbox without an
// admin client it first sets up the seeded one (see bootstrapSandboxAdmin)
// and says so through progress.
func (r *Runtime) SelfService(ctx context.Context, progress Progress) (*selfservice.API, error) {
	if err := r.Connect(); err != nil {
		return nil, err
	}
	if r.Facts.AdminClientID == "" || r.Facts.AdminKey == "" {
		if r.SandboxControlURL() == "" {
			return nil, &NoAdminError{Env: r.Env.Name}
		}
		msg, err := r.bootstrapSandboxAdmin(ctx)
		if err != nil {
			return nil, err
		}
		progress.say("%s", msg)
	}
	info, err := r.Keys.Info(r.Facts.AdminKey)
	if errors.Is(err, keystore.ErrNotFound) {
		return nil, r.adminError(fmt.Errorf("its key %s is not in the keystore", r.Facts.AdminKey))
	}
	if err != nil {
		return nil, err
	}
	if info.Expires != nil && !r.Now().Before(*info.Expires) {
		return nil, r.adminError(fmt.Errorf("key %s expired on %s", info.Name, info.Expires.UTC().Format("2006-01-02")))
	}
	src := adminTokens{r: r, clientID: r.Facts.AdminClientID, keyName: r.Facts.AdminKey, x5c: info.Certificate != nil}
	return selfservice.New(r.Env.SelfServiceURL, src, r.HTTP())
}

// adminTokens is the selfservice.TokenSource of the admin client: tokens
// come from Runtime.Token, so they are cached encrypted like any other.
type adminTokens struct {
	r                 *Runtime
	clientID, keyName string
	x5c               bool
}

func (a adminTokens) Token(ctx context.Context, scopes []string) (string, error) {
	res, err := a.r.Token(ctx, TokenRequest{Scopes: scopes, ClientID: a.clientID, KeyName: a.keyName, X5C: a.x5c})
	if err != nil {
		if adminRefusal(err) {
			return "", a.r.adminError(err)
		}
		return "", err
	}
	return res.AccessToken, nil
}

// adminRefusal reports the token errors that mean the admin client's
// credentials no longer work (as opposed to a network or server trouble).
func adminRefusal(err error) bool {
	var mp *maskinporten.Error
	if !errors.As(err, &mp) {
		return false
	}
	switch mp.MPCode {
	case "MP-100", "MP-120", "MP-121", "MP-122", "MP-124":
		return true
	}
	d := strings.ToLower(mp.Description)
	return strings.Contains(d, "unknown key identifier") || strings.Contains(d, "requires pre-registered jwk")
}

func (r *Runtime) adminError(err error) *AdminError {
	e := &AdminError{ClientID: r.Facts.AdminClientID, KeyName: r.Facts.AdminKey,
		Sandbox: r.Env.Embedded, Err: err}
	var mp *maskinporten.Error
	if errors.As(err, &mp) {
		e.Expired = mp.MPCode == "MP-121" || mp.MPCode == "MP-120"
	} else {
		e.Expired = strings.Contains(err.Error(), "expired")
	}
	return e
}

// adminErr turns what the self-service API says about the admin token
// into an *AdminError: a 401 means the token, so the admin client, was
// refused. The rest is returned as is.
func adminErr(r *Runtime, err error) error {
	if err == nil {
		return nil
	}
	var ae *AdminError
	if errors.As(err, &ae) {
		return ae // drop the "getting an admin token" wrapping: the message says it
	}
	var se *selfservice.Error
	if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
		return r.adminError(err)
	}
	return err
}

// AdminError says that the admin client's credentials no longer work.
type AdminError struct {
	ClientID, KeyName string
	Expired           bool // else refused
	Sandbox           bool
	Err               error
}

func (e *AdminError) Error() string {
	what := "was refused"
	if e.Expired {
		what = "has expired"
	}
	return fmt.Sprintf("the admin client's key %s %s (admin client %s): %v", e.KeyName, what, e.ClientID, e.Err)
}

func (e *AdminError) Unwrap() error { return e.Err }

// Hint is the next step: a new key on the admin client.
func (e *AdminError) Hint() string {
	if e.Sandbox {
		return "run `systembruker admin clear`: the next command registers a fresh sandbox admin key"
	}
	return fmt.Sprintf("register a new key on admin client %s in Digdir's self-service portal (or ask servicedesk@digdir.no), "+
		"import it with `systembruker keys import` (a renewed virksomhetssertifikat: --p12), then "+
		"`systembruker admin set --client-id %s --key NAME`", e.ClientID, e.ClientID)
}

// NoAdminError: a command needs the self-service API, but the profile has
// no admin client in this environment.
type NoAdminError struct{ Env string }

func (e *NoAdminError) Error() string {
	return "no admin client for Digdir's self-service API in " + e.Env
}

// Hint names both ways forward: an admin client, or the portal.
func (e *NoAdminError) Hint() string {
	return "ask Digdir (servicedesk@digdir.no) for a self-service admin client and record it with " +
		"`systembruker admin set --client-id ID --key NAME`; or create the client in Digdir's self-service portal " +
		"and record it with `systembruker client use ID --key NAME`"
}
