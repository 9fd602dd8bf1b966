package sim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
)

// Instance is a running simulator listener.
type Instance struct {
	URLs URLs
	// CA issued the server certificate; nil without TLS. Trust it (or use
	// Client) to talk to the instance.
	CA *x509.Certificate

	srv     *http.Server
	client  *http.Client
	done    chan error
	release func() // gives up the state, for an exclusive simulator
}

// Server timeouts: a client gets readHeaderTimeout for the headers and
// Config.ReadTimeout for the whole request; an idle keep-alive connection
// is closed after idleTimeout.
const (
	readHeaderTimeout  = 10 * time.Second
	defaultReadTimeout = 30 * time.Second
	idleTimeout        = 2 * time.Minute
)

// certLifetime covers a long `sim serve` session; each Start makes a new CA.
const certLifetime = 30 * 24 * time.Hour

// Start listens on addr (e.g. "127.0.0.1:0") and serves the simulator. With
// useTLS it serves HTTPS with a certificate for 127.0.0.1, ::1 and localhost
// (and the listen address) issued by a fresh in-memory ECDSA CA; nothing
// private is written to disk.
func (s *Server) Start(addr string, useTLS bool) (*Instance, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	tcp := ln.Addr().(*net.TCPAddr)
	host := "127.0.0.1" // for an unspecified address (0.0.0.0, ::)
	if !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	base := scheme + "://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
	release := func() {}
	if s.cfg.Exclusive && s.cfg.StatePath != "" {
		if release, err = s.own(base); err != nil {
			ln.Close()
			return nil, err
		}
	}
	inst := &Instance{
		srv: &http.Server{
			Handler:           s.Handler(base),
			ReadHeaderTimeout: min(readHeaderTimeout, s.cfg.ReadTimeout),
			ReadTimeout:       s.cfg.ReadTimeout,
			IdleTimeout:       idleTimeout,
			ErrorLog:          log.New(logWriter{s}, "", 0),
		},
		done:    make(chan error, 1),
		release: release,
	}
	inst.URLs = s.URLs(base)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if useTLS {
		var leaf tls.Certificate
		inst.CA, leaf, err = newServerCert(tcp.IP)
		if err != nil {
			ln.Close()
			release()
			return nil, err
		}
		inst.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
		pool := x509.NewCertPool()
		pool.AddCert(inst.CA)
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		transport.ForceAttemptHTTP2 = true
	}
	inst.client = &http.Client{Transport: transport, Timeout: time.Minute}
	go func() {
		if useTLS {
			inst.done <- inst.srv.ServeTLS(ln, "", "")
		} else {
			inst.done <- inst.srv.Serve(ln)
		}
	}()
	s.logf("sim: serving on %s", base)
	return inst, nil
}

// own takes the state for this simulator alone, serving at base, or names
// the simulator that has it.
func (s *Server) own(base string) (release func(), err error) {
	lock := s.cfg.StatePath + ".owner"
	release, holder, err := holdLock(lock, fmt.Sprintf("pid %d serving %s", os.Getpid(), base))
	if errors.Is(err, errHeld) {
		// The note is another process's text: printable characters only.
		holder = strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsPrint(r) {
				return r
			}
			return -1
		}, holder))
		if holder == "" {
			holder = "starting up"
		}
		return nil, fmt.Errorf("sim: another simulator (%s) already serves the state %s: stop it first, or serve another state file (lock: %s)",
			holder, s.cfg.StatePath, lock)
	}
	return release, err
}

// Client returns an HTTP client that trusts the instance's CA.
func (i *Instance) Client() *http.Client { return i.client }

// CAPEM returns the CA certificate as PEM, or nil without TLS.
func (i *Instance) CAPEM() []byte {
	if i.CA == nil {
		return nil
	}
	return []byte(certPEM(i.CA))
}

// Close stops the listener and closes open connections.
func (i *Instance) Close() error {
	err := i.srv.Close()
	i.client.CloseIdleConnections()
	i.release()
	if serveErr := <-i.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// newServerCert makes a CA and a server certificate for the loopback names
// and ip. Keys stay in memory.
func newServerCert(ip net.IP) (*x509.Certificate, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now() // real time: clients check validity with their own clock
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "systembruker simulator CA (ephemeral)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if !ip.IsUnspecified() && !ip.IsLoopback() {
		ips = append(ips, ip)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  ips,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	return ca, tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// logWriter sends net/http's own messages (TLS handshake errors and the
// like) to Config.Logf.
type logWriter struct{ s *Server }

func (w logWriter) Write(p []byte) (int, error) {
	w.s.logf("sim: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
