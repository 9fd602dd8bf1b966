package flows

import (
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/cmdhint"
	"github.com/systembruker/systembruker/keystore"
)

// CommandFlags are the global flags a suggested command needs so that,
// pasted into a shell, it acts on this runtime's profile, environment and
// key store. Only what a bare command would select differently is named: a
// profile whose own environment is prod needs --profile but no --env, and
// the active profile needs no --profile. It reads the configuration as it is
// now, so a command that just changed the active profile suggests commands
// for what comes after it.
func (r *Runtime) CommandFlags() cmdhint.Flags {
	var f cmdhint.Flags
	bare := r.Config.ActiveProfile
	if bare == "" {
		bare = config.DefaultProfile
	}
	if r.ProfileName != bare {
		f.Profile = r.ProfileName
	}
	if r.Env.Name != r.Profile.EnvName("") {
		f.Env = r.Env.Name
	}
	if r.Keys.Backend() == keystore.File {
		f.Keystore = string(keystore.File)
	}
	return f
}
