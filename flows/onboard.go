package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/orgno"
)

// Progress receives one line for people per step of a long flow ("waiting
// for Digdir…"). Flows never print; the CLI writes the lines to stderr and
// the wizard shows them. It may be nil.
type Progress func(msg string)

func (p Progress) say(format string, args ...any) {
	if p != nil {
		p(fmt.Sprintf(format, args...))
	}
}

// The scopes an end-user system vendor's client needs for the system
// register and system-user requests; every proposed client gets them.
var SystemUserScopes = []string{
	"altinn:authentication/systemregister.write",
	"altinn:authentication/systemuser.request.read",
	"altinn:authentication/systemuser.request.write",
}

// DelegationScopes are added for vendors that manage client delegations
// (agent system users, "klientdelegering").
var DelegationScopes = []string{
	"altinn:clientdelegations.read",
	"altinn:clientdelegations.write",
}

// ProposedScopes is the scope list proposed for a new client: the
// system-user scopes, the delegation scopes when asked for, then the
// service-owner scopes given, without duplicates and in that order.
func ProposedScopes(delegation bool, serviceOwner []string) []string {
	var out []string
	add := func(ss []string) {
		for _, s := range ss {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	add(SystemUserScopes)
	if delegation {
		add(DelegationScopes)
	}
	add(serviceOwner)
	return out
}

// SetOrg records the organisation the profile acts for in this
// environment. The number may be pasted as "314 240 979" or with its 0192:
// prefix; it must pass the mod-11 check.
func (r *Runtime) SetOrg(number, name string) error {
	n, err := orgno.Normalize(number)
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if err := checkText("the organisation name", name, MaxNameLen); err != nil {
		return err
	}
	r.Facts.OrgNo = n
	if name != "" {
		r.Facts.OrgName = name
	}
	return r.SaveProfile()
}

// proofPolicy is how patiently a new client or key is tried. Digdir says
// configuration reaches Maskinporten in "0–2 minutes" and its onboarding
// warned of "up to 10 minutes"; Altinn's own rotation retries 6 × 15 s.
// Waits grow from 5 s to 30 s, about two minutes in all: longer is better
// left to the user, who is told to try again later. The sandbox applies
// changes at once, so a refusal there is final.
type proofPolicy struct {
	attempts int
	step     time.Duration // the n-th wait is n × step, at most maxWait
	maxWait  time.Duration
}

func (p proofPolicy) wait(n int) time.Duration { return min(time.Duration(n)*p.step, p.maxWait) }

func (r *Runtime) proofPolicy() proofPolicy {
	if r.Env.Name == config.Sandbox {
		return proofPolicy{attempts: 1}
	}
	return proofPolicy{attempts: 7, step: 5 * time.Second, maxWait: 30 * time.Second}
}

// proveSleep waits between proof attempts; tests replace it to count the
// waits without taking them.
var proveSleep = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ProveRequest names a client, key and scopes to fetch a token for.
type ProveRequest struct {
	ClientID string
	KeyName  string
	Scopes   []string
	// X5C signs with the key's virksomhetssertifikat chain instead of its
	// kid: for a client that has the certificate but no registered key.
	X5C      bool
	Progress Progress
}

// Prove fetches a fresh token (never from the cache) to show that a client,
// its registered key and its scopes work together. Outside the sandbox it
// retries while Maskinporten does not know the client or key yet, saying
// how long it waits. A refusal is a *ProofError.
func (r *Runtime) Prove(ctx context.Context, req ProveRequest) (*TokenResult, error) {
	if len(req.Scopes) == 0 {
		return nil, errors.New("no scope to prove the client with: give one with --scope")
	}
	pol := r.proofPolicy()
	for attempt := 1; ; attempt++ {
		res, err := r.Token(ctx, TokenRequest{
			Scopes: req.Scopes, ClientID: req.ClientID, KeyName: req.KeyName,
			NoCache: true, X5C: req.X5C,
		})
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !notYetKnown(err) || attempt >= pol.attempts {
			return nil, &ProofError{ClientID: req.ClientID, KeyName: req.KeyName, Env: r.Env.Name,
				Scopes: req.Scopes, Attempts: attempt, Err: err}
		}
		wait := pol.wait(attempt)
		req.Progress.say("Maskinporten does not know client %s or its key yet; Digdir can take minutes (up to 10) "+
			"to make a new client or key usable. Trying again in %s (attempt %d of %d)…",
			req.ClientID, wait, attempt+1, pol.attempts)
		if err := proveSleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// recordProof notes in the profile that Maskinporten issued a token for
// clientID with the key of kid, when they are the profile's client and key
// and it is not noted yet (so the token path writes the profile once, not
// on every token). The home screen and `profile show` then call the set-up
// proven instead of only recorded.
func (r *Runtime) recordProof(clientID, kid string) error {
	f := r.Facts
	if clientID != f.ClientID || kid != f.KID || f.IsProven() {
		return nil
	}
	r.markProven(clientID, kid)
	return r.SaveProfile()
}

// markProven notes the proof in the facts, for the caller to save.
func (r *Runtime) markProven(clientID, kid string) {
	r.Facts.Proven = &config.Proof{ClientID: clientID, KID: kid, At: r.Now().UTC()}
}

// notYetKnown reports a refusal that a new client or key gives until
// Digdir's change reaches Maskinporten: an unknown kid or client.
func notYetKnown(err error) bool {
	var mp *maskinporten.Error
	if !errors.As(err, &mp) {
		return false
	}
	return strings.Contains(strings.ToLower(mp.Description), "unknown key identifier") || mp.MPCode == "MP-100"
}

// ProofError says why a token for a new set-up could not be fetched. The
// set-up itself is recorded; the error is about whether it works yet.
type ProofError struct {
	ClientID, KeyName, Env string
	Scopes                 []string
	Attempts               int
	Err                    error
}

func (e *ProofError) Error() string {
	return fmt.Sprintf("could not fetch a token for client %s with key %s: %v", e.ClientID, e.KeyName, e.Err)
}

func (e *ProofError) Unwrap() error { return e.Err }

// Hint is the next step for the refusal at hand.
func (e *ProofError) Hint() string {
	retry := fmt.Sprintf("`systembruker token --scope %s`", strings.Join(e.Scopes, " --scope "))
	var mp *maskinporten.Error
	if !errors.As(e.Err, &mp) {
		return "the client is recorded in the profile; try again with " + retry
	}
	switch {
	case notYetKnown(e.Err) && e.Env != config.Sandbox:
		return fmt.Sprintf("Digdir can take minutes (up to 10) to make a new client or key usable, and it was still unknown after %d tries: "+
			"the client is recorded, so try again later with %s", e.Attempts, retry)
	case mp.MPCode == "MP-200":
		return "the scope is not on the client: add it in Digdir's self-service portal (or create the client again with the scope), then retry with " + retry
	case mp.MPCode == "MP-250":
		return "your organisation has not been granted that scope: ask the API owner (for altinn: scopes, Digdir/Altinn) to grant it, then retry with " + retry
	}
	if h := mp.Hint(); h != "" {
		return h
	}
	return "retry with " + retry
}
