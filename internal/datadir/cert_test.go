package datadir

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func parseCertFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(path, strings.TrimSuffix(path, CertFile)+CertKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestCertificateShape(t *testing.T) {
	d := open(t)
	certFile, keyFile, err := d.Certificate([]string{"db.example.test", "10.0.0.7", "[fe80::1]", " ", "LOCALHOST"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if certFile != d.Path(CertFile) || keyFile != d.Path(CertKeyFile) {
		t.Errorf("files = %s, %s", certFile, keyFile)
	}
	wantMode(t, certFile, 0o644)
	wantMode(t, keyFile, 0o600)
	c := parseCertFile(t, certFile)
	if !c.IsCA || !c.BasicConstraintsValid || !c.MaxPathLenZero {
		t.Errorf("IsCA %v BasicConstraintsValid %v MaxPathLenZero %v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLenZero)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature {
		t.Errorf("KeyUsage = %v", c.KeyUsage)
	}
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("ExtKeyUsage = %v", c.ExtKeyUsage)
	}
	if c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v", c.PublicKeyAlgorithm)
	}
	if want := []string{"db.example.test", "localhost"}; !slices.Equal(c.DNSNames, want) {
		t.Errorf("DNSNames = %v, want %v", c.DNSNames, want)
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	if want := []string{"10.0.0.7", "127.0.0.1", "::1", "fe80::1"}; !slices.Equal(ips, want) {
		t.Errorf("IPAddresses = %v, want %v", ips, want)
	}
	if !c.NotBefore.Equal(testNow.Add(-certBackdate)) || !c.NotAfter.Equal(testNow.Add(CertValidity)) {
		t.Errorf("validity %v .. %v", c.NotBefore, c.NotAfter)
	}
}

// TestCertificateVerifiesOverTLS: a client that trusts only the certificate
// file verifies a TLS connection to a server using it, by name and by IP.
func TestCertificateVerifiesOverTLS(t *testing.T) {
	d := open(t)
	certFile, keyFile, err := d.Certificate(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, certFile, keyFile)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(readAll(t, certFile)) {
		t.Fatal("no certificate in the PEM file")
	}
	addr := srv.Listener.Addr().String()
	for _, name := range []string{"localhost", "127.0.0.1"} {
		t.Run(name, func(t *testing.T) {
			client := &http.Client{Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: name},
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				},
			}}
			_, port, _ := net.SplitHostPort(addr)
			res, err := client.Get("https://" + net.JoinHostPort(name, port) + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if string(body) != "ok" {
				t.Fatalf("body %q", body)
			}
			if len(res.TLS.VerifiedChains) == 0 {
				t.Fatal("no verified chain")
			}
		})
	}
	// A name the certificate does not cover is refused.
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "other.test"})
	if err == nil {
		conn.Close()
		t.Fatal("TLS to an uncovered name verified")
	}
}

func newTLSServer(t *testing.T, certFile, keyFile string) *httptest.Server {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// sslCertFileEnv makes the test binary a client that trusts only the roots
// in SSL_CERT_FILE: see TestHelperSSLCertFile.
const sslCertFileEnv = "LOCALYUN_DATADIR_TEST_TLS_URL"

// TestHelperSSLCertFile is not a test: run in a child process with
// SSL_CERT_FILE set, it fetches the URL in sslCertFileEnv with Go's default
// client, which verifies against the system roots.
func TestHelperSSLCertFile(t *testing.T) {
	url := os.Getenv(sslCertFileEnv)
	if url == "" {
		t.Skip("helper process only")
	}
	res, err := http.Get(url)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	res.Body.Close()
	fmt.Println("verified")
	os.Exit(0)
}

// TestCertificateWithSSLCertFile: Go clients (the SDKs among them) trust the
// server when SSL_CERT_FILE names the certificate file.
func TestCertificateWithSSLCertFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SSL_CERT_FILE replaces the system roots only on Linux and the BSDs")
	}
	d := open(t)
	certFile, keyFile, err := d.Certificate(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, certFile, keyFile)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, env := range []string{"SSL_CERT_FILE=" + certFile, "SSL_CERT_FILE=" + os.DevNull} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSSLCertFile$")
		cmd.Env = append(os.Environ(), env, "SSL_CERT_DIR="+t.TempDir(), sslCertFileEnv+"=https://127.0.0.1:"+port+"/")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		got := strings.TrimSpace(string(out))
		if trusted := env == "SSL_CERT_FILE="+certFile; trusted != (got == "verified") {
			t.Errorf("%s: %s", env, got)
		}
	}
}

func TestCertificateReuseAndRenewal(t *testing.T) {
	d := open(t)
	certFile, _, err := d.Certificate(nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	first := readAll(t, certFile)
	cert := func() []byte { return readAll(t, certFile) }
	call := func(hosts []string, now time.Time) {
		t.Helper()
		if _, _, err := d.Certificate(hosts, now); err != nil {
			t.Fatal(err)
		}
	}

	call(nil, testNow)
	call([]string{"LocalHost", "::1"}, testNow.Add(300*24*time.Hour)) // 65 days left
	if !bytes.Equal(cert(), first) {
		t.Fatal("a valid certificate was replaced")
	}

	later := testNow.Add(CertValidity - CertRenewBefore + time.Hour) // 29 days 23 h left
	call(nil, later)
	renewed := cert()
	if bytes.Equal(renewed, first) {
		t.Fatal("a certificate with less than 30 days left was kept")
	}
	if c := parseCertFile(t, certFile); !c.NotAfter.Equal(later.Add(CertValidity)) {
		t.Errorf("renewed certificate expires %v, want %v", c.NotAfter, later.Add(CertValidity))
	}

	// A new host replaces it; the same hosts in another spelling do not.
	call([]string{"db.test"}, later)
	withHost := cert()
	if bytes.Equal(withHost, renewed) {
		t.Fatal("a certificate that does not cover a new host was kept")
	}
	call([]string{"DB.test.", "127.0.0.1"}, later)
	call(nil, later) // fewer hosts: still covered
	if !bytes.Equal(cert(), withHost) {
		t.Fatal("a certificate covering every host was replaced")
	}

	// A clock before NotBefore replaces it.
	call([]string{"db.test"}, later.Add(-2*certBackdate))
	if bytes.Equal(cert(), withHost) {
		t.Fatal("a certificate not yet valid was kept")
	}
}

func TestCertificateDamagedIsReplaced(t *testing.T) {
	d := open(t)
	certFile, keyFile, err := d.Certificate(nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	// A key that does not match the certificate (as after a crash between
	// the two writes), then garbage.
	other := open(t)
	_, otherKey, err := other.Certificate(nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, readAll(t, otherKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Certificate(nil, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Fatalf("mismatched pair not replaced: %v", err)
	}
	if err := os.WriteFile(certFile, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Certificate(nil, testNow); err != nil {
		t.Fatal(err)
	}
	parseCertFile(t, certFile)
}

func TestCertificateLooseKeyRefused(t *testing.T) {
	d := open(t)
	_, keyFile, err := d.Certificate(nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, keyFile)
	if _, _, err := d.Certificate(nil, testNow); !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want ErrInsecure", err)
	}
	if !bytes.Equal(readAll(t, keyFile), before) {
		t.Error("the refused key was replaced")
	}
}

func TestCertificateInvalidHosts(t *testing.T) {
	d := open(t)
	for _, h := range []string{"db.test:443", "https://db.test", "a b", "-x.test", "a..b", strings.Repeat("a", 64) + ".test"} {
		if _, _, err := d.Certificate([]string{h}, testNow); err == nil || !strings.Contains(err.Error(), "invalid host") {
			t.Errorf("host %q: err = %v, want 'invalid host'", h, err)
		}
	}
	if _, err := os.Lstat(d.Path(CertFile)); err == nil {
		t.Error("a certificate was written despite invalid hosts")
	}
	if _, _, err := d.Certificate([]string{"*.apps.test", "db_1.test"}, testNow); err != nil {
		t.Errorf("wildcard and underscore: %v", err)
	}
}
