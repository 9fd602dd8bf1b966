package cli

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/atomicfile"
)

func init() { register("sim", newSimCmd) }

func newSimCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the sandbox simulator of Maskinporten, Digdir and Altinn",
	}
	cmd.AddCommand(newSimServeCmd(f))
	return cmd
}

type simServeOptions struct {
	Addr    string
	State   string
	Latency time.Duration
	TLS     bool
	CAOut   string
	EnvFile string
}

func newSimServeCmd(f *Factory) *cobra.Command {
	var o simServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the simulator standalone, for your own integration tests",
		Long: `Serve the whole simulator — Maskinporten, the Digdir self-service API and
the Altinn APIs — on a loopback address until interrupted, and print the base
URLs to point systembruker (or your own integration) at.

By default it serves the same state as the embedded sandbox, so what you set
up in the wizard is there, and signs with the same simulator keys, kept with
that state. One sim serve at a time may serve a state. Its control API (/sim)
is unauthenticated: it is for tests on this machine only, and refuses
requests from web pages (a foreign Host or Origin).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.State == "" {
				dirs, err := config.DefaultDirs(f.Getenv)
				if err != nil {
					return err
				}
				o.State = filepath.Join(dirs.Data, "sandbox", "state.json")
			}
			return runSimServe(cmd, f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free one)")
	fl.StringVar(&o.State, "state", "", "state file (default: the embedded sandbox's)")
	fl.DurationVar(&o.Latency, "latency", 0, "delay every answer, as over the internet (e.g. 50ms)")
	fl.BoolVar(&o.TLS, "tls", false, "serve HTTPS with a fresh certificate authority (see --ca-out)")
	fl.StringVar(&o.CAOut, "ca-out", "", "with --tls: write the CA certificate here (for SYSTEMBRUKER_CA_FILE)")
	fl.StringVar(&o.EnvFile, "env-file", "", "also write the export lines to this file once serving")
	return cmd
}

func runSimServe(cmd *cobra.Command, f *Factory, o simServeOptions) error {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return usageErrorf("--addr %q: %v", o.Addr, err)
	}
	if !config.IsLoopback(host) {
		return usageErrorf("--addr %q: the simulator only listens on loopback: 127.0.0.1 (or another 127.x.x.x), ::1 or localhost; other names resolve through DNS, which may point anywhere", o.Addr)
	}
	if o.CAOut != "" && !o.TLS {
		return usageErrorf("--ca-out needs --tls")
	}
	inst, err := flows.StartSimulator(flows.SimulatorOptions{Addr: o.Addr, State: o.State, Latency: o.Latency, TLS: o.TLS})
	if err != nil {
		return err
	}
	defer inst.Close()
	if o.CAOut != "" {
		if err := atomicfile.Write(o.CAOut, inst.CAPEM, 0o644); err != nil {
			return err
		}
	}
	writeSimEnv(f.IO.Out, inst.URLs, o.CAOut)
	if o.EnvFile != "" {
		var buf strings.Builder
		writeSimEnv(&buf, inst.URLs, o.CAOut)
		if err := atomicfile.Write(o.EnvFile, []byte(buf.String()), 0o600); err != nil {
			return err
		}
	}
	f.infof("Simulator serving on %s (state %s). Control API: %s. Ctrl+C stops it.", inst.URLs.Base, o.State, inst.URLs.Control)
	<-cmd.Context().Done()
	return nil
}

func writeSimEnv(w io.Writer, u flows.SimulatorURLs, caFile string) {
	fmt.Fprintf(w, "export %s=%s\n", config.EnvMaskinportenURL, u.Maskinporten)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvSelfServiceURL, u.SelfService)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvAltinnURL, u.Altinn)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvAltinnUIURL, u.AltinnUI)
	if caFile != "" {
		abs, err := filepath.Abs(caFile)
		if err == nil {
			caFile = abs
		}
		fmt.Fprintf(w, "export SYSTEMBRUKER_CA_FILE=%s\n", caFile)
	}
}
