package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/ui/styles"
)

// plainSteps maps a journey step to its accessible-mode handler, as
// stepScreens does for the full-screen UI.
var plainSteps = map[flows.StepID]func(*plain, context.Context) error{
	flows.StepKeys:   (*plain).keys,
	flows.StepClient: (*plain).onboard,
	flows.StepTokens: (*plain).tokenCheck,
}

// errEndOfInput stops the accessible loop when the input runs out: huh's
// line prompts fall back to their defaults at EOF, which would otherwise
// repeat the same menu choice forever.
var errEndOfInput = errors.New("end of input")

// plain is the accessible mode: the same journey and key actions as the
// full-screen UI, as numbered menus and line prompts that a screen reader
// reads in order. Nothing is redrawn.
type plain struct {
	rt    *flows.Runtime
	rawIn io.Reader // for password prompts, which need the terminal itself
	in    *eofReader
	out   io.Writer
	st    *styles.Styles
}

func runAccessible(ctx context.Context, rt *flows.Runtime, in io.Reader, out io.Writer) error {
	p := &plain{
		rt:    rt,
		rawIn: in,
		in:    &eofReader{r: in},
		// Downsamples or drops colour for NO_COLOR, dumb terminals and pipes.
		out: colorprofile.NewWriter(out, os.Environ()),
		st:  styles.New(true),
	}
	err := p.home(ctx)
	if errors.Is(err, errEndOfInput) {
		return nil
	}
	return err
}

func (p *plain) println(a ...any)               { fmt.Fprintln(p.out, a...) }
func (p *plain) printf(format string, a ...any) { fmt.Fprintf(p.out, format, a...) }
func (p *plain) fail(what string, err error) {
	p.println(errorView(p.st, p.rt, 1<<20, what, err))
}

// run asks a form's questions as line prompts.
func (p *plain) run(ctx context.Context, groups ...*huh.Group) error {
	return p.runWith(ctx, p.in, groups...)
}

func (p *plain) runWith(ctx context.Context, in io.Reader, groups ...*huh.Group) error {
	err := huh.NewForm(groups...).
		WithAccessible(true).
		WithTheme(huh.ThemeFunc(huh.ThemeBase)).
		WithInput(in).
		WithOutput(p.out).
		RunWithContext(ctx)
	if err != nil {
		return err
	}
	if p.in.eof {
		return errEndOfInput
	}
	return ctx.Err()
}

// choose asks for one of options by number and returns its index.
func (p *plain) choose(ctx context.Context, title string, options []string) (int, error) {
	opts := make([]huh.Option[int], len(options))
	for i, o := range options {
		opts[i] = huh.NewOption(o, i)
	}
	choice := 0
	err := p.run(ctx, huh.NewGroup(huh.NewSelect[int]().Title(title).Options(opts...).Value(&choice)))
	return choice, err
}

func (p *plain) home(ctx context.Context) error {
	rt := p.rt
	for {
		p.println()
		// Words, not a coloured badge: a screen reader reads the name.
		p.printf("systembruker: profile %s, environment %s\n", rt.ProfileName, rt.Env.Name)
		if rt.Env.IsProd() {
			p.println(p.st.Err.Render("PRODUCTION: changes here reach real customers."))
		}
		p.warnExpiring()
		p.println("Your journey:")
		var (
			names    []string
			handlers []func(*plain, context.Context) error
		)
		for i, s := range rt.Journey() {
			line := fmt.Sprintf("  %d. %s: %s", i+1, s.Title, s.State)
			if s.Detail != "" {
				line += " (" + s.Detail + ")"
			}
			if s.Command != "" {
				line += ". Command: " + s.Command
			}
			p.println(line)
			if h, ok := plainSteps[s.ID]; ok {
				names = append(names, s.Title)
				handlers = append(handlers, h)
			}
		}
		i, err := p.choose(ctx, "What next?", append(names, "Quit"))
		if err != nil {
			return err
		}
		if i == len(names) {
			return nil
		}
		if err := handlers[i](p, ctx); err != nil {
			return err
		}
	}
}

// warnExpiring prints a line per expired or soon-expiring key; it runs on
// every pass through the home menu.
func (p *plain) warnExpiring() {
	exp, err := p.rt.ExpiringKeys()
	if err != nil {
		p.fail("Could not check key expiry", err)
	}
	for _, k := range exp {
		p.println(expiryLine(p.st, p.rt.Now(), k))
	}
}

func (p *plain) keys(ctx context.Context) error {
	for {
		keys, err := p.rt.ListKeys()
		if err != nil {
			p.fail("Could not list keys", err)
		}
		p.println()
		p.printKeys(keys)
		actions := []string{"Generate a key", "Import a key file"}
		if len(keys) > 0 {
			actions = append(actions, "Show a public JWK", "Delete a key")
		}
		i, err := p.choose(ctx, "Keys: what next?", append(actions, "Back"))
		if err != nil {
			return err
		}
		switch {
		case i == 0:
			err = p.generate(ctx)
		case i == 1:
			err = p.importKey(ctx)
		case i == 2 && len(keys) > 0:
			err = p.publicJWK(ctx, keys)
		case i == 3 && len(keys) > 0:
			err = p.deleteKey(ctx, keys)
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (p *plain) printKeys(keys []flows.KeyStatus) {
	if len(keys) == 0 {
		p.println("No keys yet. Generate one, or import a PEM, JWK or .p12 (virksomhetssertifikat) file.")
		return
	}
	p.printf("%s in the keystore:\n", plural(len(keys), "key"))
	for _, k := range keys {
		parts := []string{fmt.Sprintf("RSA %d", k.Bits), storageWords(k.Storage), "kid " + k.KID, "created " + k.Created.Format(time.DateOnly)}
		if k.InUse {
			parts = append(parts, "in use")
		}
		if k.Expires != nil {
			parts = append(parts, "expires "+k.Expires.Format(time.DateOnly))
		}
		switch {
		case k.Expired:
			parts = append(parts, "EXPIRED")
		case k.ExpiresSoon:
			parts = append(parts, "expires soon")
		}
		p.printf("  %s: %s\n", k.Name, strings.Join(parts, ", "))
	}
}

func (p *plain) generate(ctx context.Context) error {
	a := &genAnswers{Name: p.rt.DefaultKeyName(), Bits: 2048}
	if err := p.run(ctx, genGroups(p.rt, a, true)...); err != nil {
		return err
	}
	p.printf("Generating an RSA-%d key and storing it in the %s…\n", a.Bits, storeWords(p.rt))
	info, err := p.rt.GenerateKey(a.Name, a.Bits)
	if err != nil {
		p.fail("Could not generate the key", err)
		return nil
	}
	p.println(generatedNotice(p.st, info))
	return nil
}

func (p *plain) importKey(ctx context.Context) error {
	a := &importAnswers{Name: p.rt.DefaultKeyName(), Format: flows.FormatPEM}
	if err := p.run(ctx, importFileGroup(p.rt, a, true)); err != nil {
		return err
	}
	if a.Format == flows.FormatP12 {
		if err := p.runWith(ctx, p.rawIn, importPasswordGroup(a)); err != nil {
			return err
		}
	}
	info, err := p.rt.ImportKey(a.Name, a.Format, expandHome(a.Path), a.Password)
	a.Password = ""
	if err != nil {
		p.fail("Could not import the key", err)
		return nil
	}
	p.println(importedNotice(p.st, info))
	return nil
}

func (p *plain) pickKey(ctx context.Context, title string, keys []flows.KeyStatus) (flows.KeyStatus, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	i, err := p.choose(ctx, title, names)
	return keys[i], err
}

func (p *plain) publicJWK(ctx context.Context, keys []flows.KeyStatus) error {
	k, err := p.pickKey(ctx, "Which key?", keys)
	if err != nil {
		return err
	}
	key, err := p.rt.PortalKey(k.Name)
	if err != nil {
		p.fail("Could not read the public key of "+k.Name, err)
		return nil
	}
	p.println("Register this key with your Maskinporten client: paste it into the \"JWK or PEM format\" field of a new key in Digdir's self-service portal:")
	p.println(key.Paste)
	write := false
	if err := p.run(ctx, huh.NewGroup(huh.NewConfirm().Title("Write it to a file?").Value(&write))); err != nil || !write {
		return err
	}
	path := k.Name + ".jwks.json"
	if err := p.run(ctx, huh.NewGroup(huh.NewInput().Title(withDefault("File path", path, true)).Value(&path))); err != nil {
		return err
	}
	abs, err := filepath.Abs(expandHome(path))
	if err == nil {
		err = atomicfile.Write(abs, []byte(key.JWKS+"\n"), 0o644)
	}
	if err != nil {
		p.fail("Could not write the file", err)
		return nil
	}
	p.println(p.st.OK.Render(styles.GlyphOK+" Wrote "+abs) + " (public key only: safe to share).")
	return nil
}

func (p *plain) deleteKey(ctx context.Context, keys []flows.KeyStatus) error {
	k, err := p.pickKey(ctx, "Which key?", keys)
	if err != nil {
		return err
	}
	if k.InUse {
		p.println(p.st.Err.Render(styles.GlyphWarn+" "+k.Name+" is in use.") +
			" Deleting it breaks token fetching until you register another key with your Maskinporten client.")
	}
	a := &deleteAnswers{}
	if err := p.run(ctx, deleteGroups(p.rt, k, a, true)...); err != nil {
		return err
	}
	if !a.confirmed(typedDelete(p.rt, k), k.Name) {
		p.println("Kept key " + k.Name + ".")
		return nil
	}
	if err := p.rt.DeleteKey(k.Name, typedDelete(p.rt, k)); err != nil {
		p.fail("Could not delete the key", err)
		return nil
	}
	p.println(p.st.OK.Render(styles.GlyphOK + " Deleted key " + k.Name + "."))
	return nil
}

// eofReader remembers that its reader ran dry.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if errors.Is(err, io.EOF) {
		e.eof = true
	}
	return n, err
}
