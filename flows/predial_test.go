package flows

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// listen accepts connections on loopback and counts them.
func listen(t *testing.T) (addr string, accepted *atomic.Int32, closed chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	closed = make(chan struct{}, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { // report when the client side closes
				io.Copy(io.Discard, c)
				c.Close()
				closed <- struct{}{}
			}()
		}
	}()
	return ln.Addr().String(), accepted, closed
}

func TestPreDialerHandsOutTheEarlyConnection(t *testing.T) {
	addr, accepted, _ := listen(t)
	var p preDialer
	p.start("tcp", addr)
	p.start("tcp", addr) // a second start while one is pending dials nothing
	waitFor(t, func() bool { return accepted.Load() == 1 })
	c, err := p.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // a stray dial would be accepted by now
	if n := accepted.Load(); n != 1 {
		t.Fatalf("accepted %d connections after claiming the early one, want 1", n)
	}
	c2, err := p.DialContext(context.Background(), "tcp", addr) // nothing pending: a fresh dial
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitFor(t, func() bool { return accepted.Load() == 2 })
}

func TestPreDialerClosesWhatNobodyClaims(t *testing.T) {
	addr, accepted, closed := listen(t)
	p := preDialer{idle: 50 * time.Millisecond}
	p.start("tcp", addr)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("an unclaimed pre-dialed connection was never closed")
	}
	if accepted.Load() != 1 {
		t.Errorf("accepted %d connections, want 1", accepted.Load())
	}
	// Claimed after it was dropped: a normal dial.
	c, err := p.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestPreDialerFallsBackToANormalDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the early dial fails
	var p preDialer
	p.start("tcp", addr)
	if _, err := p.DialContext(context.Background(), "tcp", addr); err == nil {
		t.Fatal("dialing a closed port succeeded")
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"https://test.maskinporten.no/token":    "test.maskinporten.no:443",
		"http://127.0.0.1:8080/maskinporten/x":  "127.0.0.1:8080",
		"http://localhost/token":                "localhost:80",
		"https://[::1]:9443/maskinporten/token": "[::1]:9443",
	} {
		if got, ok := hostPort(in); !ok || got != want {
			t.Errorf("hostPort(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := hostPort("ftp://x"); ok {
		t.Error("hostPort accepted ftp")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
