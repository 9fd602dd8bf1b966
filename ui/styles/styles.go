// Package styles is the one palette of systembruker's terminal output, shared
// by the commands and the wizard. Colour is never the only signal: every
// state also has a glyph and a word, so NO_COLOR and screen readers lose
// nothing.
package styles

import "charm.land/lipgloss/v2"

// Styles are built for a light or dark background.
type Styles struct {
	Title     lipgloss.Style
	Subtitle  lipgloss.Style
	Muted     lipgloss.Style
	OK        lipgloss.Style
	Warn      lipgloss.Style
	Err       lipgloss.Style
	Key       lipgloss.Style // a value the user may copy: ids, commands
	Selected  lipgloss.Style
	Box       lipgloss.Style
	ProdBadge lipgloss.Style
	TestBadge lipgloss.Style
	SandBadge lipgloss.Style
}

// Glyphs pair with the styles above.
const (
	GlyphOK      = "✓"
	GlyphErr     = "✗"
	GlyphWarn    = "!"
	GlyphTodo    = "○"
	GlyphPending = "…"
)

// New returns the palette for a dark (true) or light background.
func New(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#A89BFF"))
	muted := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))
	yellow := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922"))
	red := ld(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149"))
	return &Styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Subtitle:  lipgloss.NewStyle().Bold(true),
		Muted:     lipgloss.NewStyle().Foreground(muted),
		OK:        lipgloss.NewStyle().Foreground(green),
		Warn:      lipgloss.NewStyle().Foreground(yellow),
		Err:       lipgloss.NewStyle().Foreground(red).Bold(true),
		Key:       lipgloss.NewStyle().Foreground(accent),
		Selected:  lipgloss.NewStyle().Foreground(accent).Bold(true),
		Box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1),
		ProdBadge: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#B91C1C")),
		TestBadge: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#E3B341")),
		SandBadge: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#7EE787")),
	}
}

// EnvBadge renders an environment's label. Prod is always loud and always
// carries the word PROD, whatever the colour support.
func (s *Styles) EnvBadge(env string) string {
	switch env {
	case "prod":
		return s.ProdBadge.Render(" PROD ")
	case "test":
		return s.TestBadge.Render(" TEST ")
	default:
		return s.SandBadge.Render(" SANDBOX ")
	}
}
