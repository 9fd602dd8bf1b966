package flows

import (
	"slices"
	"strconv"
	"time"
)

// StepID names a step of the vendor journey, in order.
type StepID string

const (
	StepKeys     StepID = "keys"
	StepClient   StepID = "client"
	StepSystem   StepID = "system"
	StepPackages StepID = "packages"
	StepRequests StepID = "requests"
	StepTokens   StepID = "tokens"
)

// State is where a step stands for the active profile.
type State string

const (
	StateDone     State = "done"
	StateTodo     State = "todo"
	StateWarn     State = "attention" // done, but something needs a look (a key expiring)
	StateReady    State = "ready"     // can be used now; a step with nothing to finish (tokens)
	StateNotBuilt State = "not built yet"
	// StateUnproven: recorded, but no token has shown that it works yet
	// (the proof failed, or was never tried).
	StateUnproven State = "recorded, not proven"
)

// Step is one line of the journey as the home screen shows it.
type Step struct {
	ID     StepID `json:"id"`
	Title  string `json:"title"`
	State  State  `json:"state"`
	Detail string `json:"detail,omitempty"`
	// Command is the non-interactive equivalent, shown so the wizard teaches
	// its own flags.
	Command string `json:"command,omitempty"`
}

// Journey reports each step's state from the profile and the keystore. It
// reads local state only, so the home screen opens instantly and offline.
// Each command carries the flags that make it act on this profile and
// environment (see CommandFlags).
func (r *Runtime) Journey() []Step {
	steps := []Step{
		r.keysStep(),
		r.clientStep(),
		r.systemStep(),
		{ID: StepPackages, Title: "Access packages (tilgangspakker)", State: StateNotBuilt},
		{ID: StepRequests, Title: "System-user requests", State: StateNotBuilt},
		r.tokensStep(),
	}
	flags := r.CommandFlags()
	for i := range steps {
		steps[i].Command = flags.Command(steps[i].Command)
	}
	return steps
}

// systemStep has commands but no wizard screen yet, so it stays "not built
// yet" and names the command.
func (r *Runtime) systemStep() Step {
	s := Step{ID: StepSystem, Title: "System register", State: StateNotBuilt, Command: "systembruker system apply -f FILE"}
	if r.Facts.SystemID != "" {
		s.Detail = "system " + r.Facts.SystemID
	}
	return s
}

func (r *Runtime) keysStep() Step {
	s := Step{ID: StepKeys, Title: "Keys", State: StateTodo, Command: "systembruker keys generate"}
	all, err := r.ListKeys()
	switch {
	case err != nil:
		s.Detail = err.Error()
	case len(all) > 0:
		s.State, s.Detail = StateDone, plural(len(all), "key", "keys")+" in the keystore"
		for _, k := range all {
			switch {
			case k.Problem != nil:
				s.State, s.Detail, s.Command = StateWarn, "key "+k.Name+" is "+k.Problem.Kind, "systembruker keys delete "+k.Name
			case k.InUse && (k.Expired || k.ExpiresSoon):
				s.State, s.Detail = StateWarn, "key "+k.Name+" expires soon: rotate it"
			}
		}
	}
	return s
}

// clientStep is done once the profile records a client and a token has
// proven it with its key. It asks for attention when the client has no
// signing key recorded, or when that key has expired or expires within
// ExpiryWarning: by Digdir's date when known, else by the keystore's (a
// virksomhetssertifikat's end). Otherwise, until a token proves them, the
// client and key are only recorded, and the step names the command that
// proves them.
func (r *Runtime) clientStep() Step {
	f := r.Facts
	s := Step{ID: StepClient, Title: "Maskinporten client", State: StateTodo, Command: "systembruker client create"}
	if f.ClientID == "" {
		return s
	}
	s.State, s.Detail, s.Command = StateDone, "client "+f.ClientID, ""
	if f.KeyName == "" {
		s.State, s.Detail = StateWarn, "client "+f.ClientID+" has no signing key recorded"
		s.Command = "systembruker client use " + f.ClientID + " --key NAME"
		return s
	}
	exp := f.KeyExpires
	if exp == nil {
		if in, err := r.Keys.Info(f.KeyName); err == nil {
			exp = in.Expires
		}
	}
	if exp == nil {
		return r.unproven(s)
	}
	now := r.Now()
	date := exp.UTC().Format(time.DateOnly)
	switch {
	case !now.Before(*exp):
		s.State, s.Detail = StateWarn, "key "+f.KeyName+" expired on "+date+": tokens fail until you rotate it"
	case exp.Sub(now) < ExpiryWarning:
		s.State, s.Detail = StateWarn, "key "+f.KeyName+" expires on "+date+": rotate it before then"
	default:
		return r.unproven(s)
	}
	s.Command = "systembruker keys rotate"
	return s
}

// unproven turns a done client step into a recorded one while no token has
// proven the client and key: a token fetched now proves them.
func (r *Runtime) unproven(s Step) Step {
	f := r.Facts
	if f.IsProven() {
		return s
	}
	s.State, s.Detail = StateUnproven, "client "+f.ClientID+": no token has proven it yet"
	s.Command = r.ProveCommand()
	return s
}

// ProveCommand is the command that proves the profile's client and key: a
// token with one of its scopes, or without scopes recorded, recording the
// client again (which proves it with the system-user scopes).
func (r *Runtime) ProveCommand() string {
	f := r.Facts
	if len(f.Scopes) == 0 {
		return "systembruker client use " + f.ClientID + " --key " + f.KeyName
	}
	return "systembruker token --scope " + exampleScope(f.Scopes)
}

// tokensStep is ready once a client with a key in the keystore is
// recorded. Fetching a token finishes nothing, so it is never "done".
func (r *Runtime) tokensStep() Step {
	f := r.Facts
	s := Step{ID: StepTokens, Title: "Tokens", State: StateTodo, Command: "systembruker token --scope SCOPE"}
	switch {
	case f.ClientID == "" || f.KeyName == "":
		s.Detail = "needs a Maskinporten client with a key (step 2)"
		return s
	case len(f.Scopes) == 0:
		s.Detail = "the profile records no scopes for client " + f.ClientID
		return s
	}
	if _, err := r.Keys.Info(f.KeyName); err != nil {
		s.Detail = "key " + f.KeyName + " is not in the keystore"
		return s
	}
	s.State, s.Command = StateReady, "systembruker token --scope "+exampleScope(f.Scopes)
	return s
}

// exampleScope picks the scope to show in the token command: the first
// service-owner scope, which is what a vendor's integration asks for, else
// the first scope.
func exampleScope(scopes []string) string {
	for _, s := range scopes {
		if !slices.Contains(SystemUserScopes, s) && !slices.Contains(DelegationScopes, s) {
			return s
		}
	}
	return scopes[0]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
