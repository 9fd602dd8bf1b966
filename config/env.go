// Package config holds what systembruker knows before it talks to anyone:
// the environments and their base URLs, the folders it writes to, and the
// profiles that record a vendor's non-secret set-up per environment.
package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Environment names.
const (
	Sandbox = "sandbox"
	Test    = "test"
	Prod    = "prod"
)

// Names lists the environments in the order users see them.
var Names = []string{Sandbox, Test, Prod}

// SandboxIssuer is the issuer of the embedded simulator's Maskinporten. It is
// fixed, not derived from the simulator's port, so that a token from an
// earlier run still names the sandbox as its issuer although each run listens
// on a new port. (Its signing keys are kept with its state, so such a
// token still verifies.) It names no host that is ever contacted.
const SandboxIssuer = "https://sandbox.maskinporten.localhost/"

// Environment variables that override base URLs for every profile.
const (
	EnvMaskinportenURL = "SYSTEMBRUKER_MASKINPORTEN_URL"
	EnvSelfServiceURL  = "SYSTEMBRUKER_SELFSERVICE_URL"
	EnvAltinnURL       = "SYSTEMBRUKER_ALTINN_URL"
	EnvAltinnUIURL     = "SYSTEMBRUKER_ALTINN_UI_URL"
)

// Environment is a resolved set of endpoints.
type Environment struct {
	Name string
	// MaskinportenURL is the token service base, without a trailing slash:
	// the token endpoint is MaskinportenURL+"/token".
	MaskinportenURL string
	// Issuer is Maskinporten's issuer identifier, with its trailing slash. It
	// is the only accepted grant audience and the iss of issued tokens.
	Issuer string
	// SelfServiceURL is the Digdir self-service API base including its
	// version path, e.g. https://api.test.samarbeid.digdir.no/api/v1.
	SelfServiceURL string
	// AltinnURL is the Altinn platform API base (platform.tt02.altinn.no).
	AltinnURL string
	// AltinnUIURL is the Altinn web front end that hosts approval pages.
	AltinnUIURL string
	// PortalURL is Digdir's self-service web portal, for instructions.
	PortalURL string
	// Embedded is true when the embedded simulator must be started to
	// serve the URLs that are still empty (sandbox without overrides).
	Embedded bool
}

// IsProd reports whether writes here touch real production services.
func (e Environment) IsProd() bool { return e.Name == Prod }

var builtin = map[string]Environment{
	Sandbox: {
		Name:      Sandbox,
		Issuer:    SandboxIssuer,
		PortalURL: "(sandbox: no portal, the simulator plays Digdir)",
		Embedded:  true,
	},
	Test: {
		Name:            Test,
		MaskinportenURL: "https://test.maskinporten.no",
		Issuer:          "https://test.maskinporten.no/",
		SelfServiceURL:  "https://api.test.samarbeid.digdir.no/api/v1",
		AltinnURL:       "https://platform.tt02.altinn.no",
		AltinnUIURL:     "https://am.ui.tt02.altinn.no",
		PortalURL:       "https://sjolvbetjening.test.samarbeid.digdir.no",
	},
	Prod: {
		Name:            Prod,
		MaskinportenURL: "https://maskinporten.no",
		Issuer:          "https://maskinporten.no/",
		SelfServiceURL:  "https://api.samarbeid.digdir.no/api/v1",
		AltinnURL:       "https://platform.altinn.no",
		AltinnUIURL:     "https://am.ui.altinn.no",
		PortalURL:       "https://sjolvbetjening.samarbeid.digdir.no",
	},
}

// Builtin returns the built-in endpoints of an environment.
func Builtin(name string) (Environment, error) {
	e, ok := builtin[name]
	if !ok {
		return Environment{}, fmt.Errorf("unknown environment %q: use one of %s", name, strings.Join(Names, ", "))
	}
	return e, nil
}

// URLs are per-profile overrides of an environment's endpoints.
type URLs struct {
	Maskinporten string `json:"maskinporten,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	SelfService  string `json:"selfservice,omitempty"`
	Altinn       string `json:"altinn,omitempty"`
	AltinnUI     string `json:"altinn_ui,omitempty"`
}

// Resolve applies overrides to the built-in environment: profile values first,
// then the SYSTEMBRUKER_*_URL variables, which win. Every URL is checked: it
// must be https, or http on a loopback host.
func Resolve(name string, over URLs, getenv func(string) string) (Environment, error) {
	e, err := Builtin(name)
	if err != nil {
		return e, err
	}
	pick := func(dst *string, profile, envVar string) bool {
		v := profile
		if ev := getenv(envVar); ev != "" {
			v = ev
		}
		if v == "" {
			return false
		}
		*dst = strings.TrimRight(v, "/")
		return true
	}
	mpOverridden := pick(&e.MaskinportenURL, over.Maskinporten, EnvMaskinportenURL)
	ssOverridden := pick(&e.SelfServiceURL, over.SelfService, EnvSelfServiceURL)
	alOverridden := pick(&e.AltinnURL, over.Altinn, EnvAltinnURL)
	uiOverridden := pick(&e.AltinnUIURL, over.AltinnUI, EnvAltinnUIURL)
	switch {
	case over.Issuer != "":
		e.Issuer = over.Issuer
	case mpOverridden:
		// A Maskinporten elsewhere (sim serve, a proxy) names itself by its URL.
		e.Issuer = e.MaskinportenURL + "/"
	}
	if e.Name == Sandbox {
		e.Embedded = !(mpOverridden && ssOverridden && alOverridden && uiOverridden)
	}
	for _, u := range []struct{ what, v string }{
		{"Maskinporten URL", e.MaskinportenURL},
		{"self-service API URL", e.SelfServiceURL},
		{"Altinn URL", e.AltinnURL},
		{"Altinn UI URL", e.AltinnUIURL},
		{"issuer", e.Issuer},
	} {
		if u.v == "" {
			continue
		}
		if err := CheckURL(u.v); err != nil {
			return e, fmt.Errorf("%s: %w", u.what, err)
		}
	}
	return e, nil
}

// CheckURL accepts absolute https URLs, and http URLs whose host is a loopback
// address (a simulator on this machine).
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL (expected https://host/...)", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q uses plain http: only loopback hosts (127.0.0.1, ::1, localhost) may; use https", raw)
	default:
		return fmt.Errorf("%q must use https", raw)
	}
}

// IsLoopback reports whether host is a literal loopback address
// (127.0.0.0/8, ::1) or the name localhost. Any other name is resolved
// through DNS, which may answer with any address (evil.localhost included),
// so none is trusted to stay on this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}
