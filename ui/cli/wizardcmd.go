package cli

import (
	"context"

	"github.com/systembruker/systembruker/ui/wizard"
)

// runWizard opens the Bubble Tea wizard. It needs a terminal on both ends;
// without one it says which commands to use instead.
func runWizard(ctx context.Context, f *Factory) error {
	if !f.IO.InTTY || !f.IO.OutTTY || f.NoInput {
		return usageErrorf("the wizard needs a terminal; without one, use the commands (see `systembruker --help`)")
	}
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	// The file store's passphrase prompt must come before the full-screen UI
	// takes the terminal.
	if err := rt.Keys.Unlock(); err != nil {
		return err
	}
	return wizard.Run(ctx, wizard.Options{Runtime: rt, Accessible: f.Accessible})
}
