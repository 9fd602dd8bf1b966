package flows

import "strconv"

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
	StateNotBuilt State = "not built yet"
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
func (r *Runtime) Journey() []Step {
	f := r.Facts
	keys := Step{ID: StepKeys, Title: "Keys", State: StateTodo, Command: "systembruker keys generate"}
	if all, err := r.ListKeys(); err == nil && len(all) > 0 {
		keys.State, keys.Detail = StateDone, plural(len(all), "key", "keys")+" in the keystore"
		for _, k := range all {
			if k.InUse && (k.Expired || k.ExpiresSoon) {
				keys.State, keys.Detail = StateWarn, "key "+k.Name+" expires soon: rotate it"
			}
		}
	} else if err != nil {
		keys.Detail = err.Error()
	}

	client := Step{ID: StepClient, Title: "Maskinporten client", State: StateNotBuilt, Command: "systembruker client create"}
	if f.ClientID != "" {
		client.State, client.Detail = StateDone, f.ClientID
	}

	return []Step{
		keys,
		client,
		{ID: StepSystem, Title: "System register", State: StateNotBuilt},
		{ID: StepPackages, Title: "Access packages (tilgangspakker)", State: StateNotBuilt},
		{ID: StepRequests, Title: "System-user requests", State: StateNotBuilt},
		{ID: StepTokens, Title: "Tokens", State: StateNotBuilt, Command: "systembruker token --scope S"},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
