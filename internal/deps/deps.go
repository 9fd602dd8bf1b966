//go:build deps

// Package deps pins the project's dependencies in go.mod while the packages
// that use them are being written. It is never built.
package deps

import (
	_ "charm.land/bubbles/v2/help"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/huh/v2"
	_ "charm.land/lipgloss/v2"
	_ "filippo.io/age"
	_ "github.com/atotto/clipboard"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/spf13/cobra"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
	_ "software.sslmate.com/src/go-pkcs12"
)
