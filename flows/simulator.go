package flows

import (
	"time"

	"github.com/systembruker/systembruker/sim"
)

// The sandbox's seeded vendor: in the embedded sandbox the admin client and
// the portal act for it, so the wizard proposes it as the organisation.
const (
	SandboxVendorOrgNo   = sim.DemoVendorOrgNo
	SandboxVendorOrgName = sim.DemoVendorOrgName
)

// SimulatorURLs are the base URLs a running simulator serves.
type SimulatorURLs = sim.URLs

// SimulatorOptions configure a standalone simulator (`sim serve`).
type SimulatorOptions struct {
	Addr    string        // loopback address; port 0 picks a free one
	State   string        // state file; shared with the embedded sandbox by default
	Latency time.Duration // injected before every answer
	TLS     bool          // serve HTTPS with a fresh certificate authority
}

// Simulator is a running standalone simulator.
type Simulator struct {
	URLs  SimulatorURLs
	CAPEM []byte // with TLS: the CA certificate clients must trust
	inst  *sim.Instance
}

// StartSimulator serves the whole simulator until Close.
func StartSimulator(o SimulatorOptions) (*Simulator, error) {
	srv, err := sim.New(sim.Config{StatePath: o.State, Latency: o.Latency, Exclusive: true})
	if err != nil {
		return nil, err
	}
	inst, err := srv.Start(o.Addr, o.TLS)
	if err != nil {
		return nil, err
	}
	return &Simulator{URLs: inst.URLs, CAPEM: inst.CAPEM(), inst: inst}, nil
}

// Close stops it.
func (s *Simulator) Close() error { return s.inst.Close() }
