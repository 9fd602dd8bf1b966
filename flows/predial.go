package flows

import (
	"context"
	"net"
	"net/url"
	"sync"
	"time"
)

// preDialer lets a connection to a server be opened ahead of the request
// that needs it. The token path uses it to dial Maskinporten while it reads
// the signing key from the keychain, a few milliseconds spent waiting on
// D-Bus: on the internet the TCP handshake then costs nothing, and on
// loopback it still saves the dial.
type preDialer struct {
	dialer net.Dialer
	idle   time.Duration // how long a connection waits to be claimed; 0 means unclaimed

	mu      sync.Mutex
	pending map[string]chan dialed // by "network addr"
}

type dialed struct {
	conn net.Conn
	err  error
}

// unclaimed is how long a pre-dialed connection waits for its request
// before it is closed, so a long-lived process (the wizard) leaks nothing.
const unclaimed = 10 * time.Second

// start dials network/addr in the background, unless a dial is pending.
func (p *preDialer) start(network, addr string) {
	key := network + " " + addr
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		p.pending = map[string]chan dialed{}
	}
	if _, ok := p.pending[key]; ok {
		return
	}
	ch := make(chan dialed, 1)
	p.pending[key] = ch
	go func() {
		idle := p.idle
		if idle == 0 {
			idle = unclaimed
		}
		ctx, cancel := context.WithTimeout(context.Background(), idle)
		defer cancel()
		c, err := p.dialer.DialContext(ctx, network, addr)
		ch <- dialed{c, err}
		time.AfterFunc(idle, func() { p.drop(key, ch) })
	}()
}

// drop closes a pre-dialed connection nobody claimed.
func (p *preDialer) drop(key string, ch chan dialed) {
	p.mu.Lock()
	if p.pending[key] != ch {
		p.mu.Unlock()
		return
	}
	delete(p.pending, key)
	p.mu.Unlock()
	if d := <-ch; d.conn != nil {
		d.conn.Close()
	}
}

// DialContext hands out the pre-dialed connection for network/addr if there
// is one, and dials afresh otherwise (also when the early dial failed, so
// that errors and retries are those of a normal dial).
func (p *preDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	key := network + " " + addr
	p.mu.Lock()
	ch, ok := p.pending[key]
	delete(p.pending, key)
	p.mu.Unlock()
	if ok {
		select {
		case d := <-ch:
			if d.err == nil {
				return d.conn, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return p.dialer.DialContext(ctx, network, addr)
}

// hostPort is the dial address of an http(s) URL.
func hostPort(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	port := u.Port()
	switch {
	case port != "":
	case u.Scheme == "https":
		port = "443"
	case u.Scheme == "http":
		port = "80"
	default:
		return "", false
	}
	return net.JoinHostPort(u.Hostname(), port), true
}
