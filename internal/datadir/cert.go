package datadir

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"
)

// Certificate lifetimes.
const (
	// CertValidity is how long a new certificate is valid.
	CertValidity = 365 * 24 * time.Hour
	// CertRenewBefore: a certificate with less than this left is replaced.
	CertRenewBefore = 30 * 24 * time.Hour
	// certBackdate tolerates clients whose clock is a little behind.
	certBackdate = time.Hour
)

// defaultCertHosts are always covered by the certificate.
var defaultCertHosts = []string{"localhost", "127.0.0.1", "::1"}

// Certificate returns the PEM files of the HTTPS listener's self-signed
// certificate (CertFile, mode 0644) and its ECDSA P-256 private key
// (CertKeyFile, mode 0600).
//
// The certificate covers localhost, 127.0.0.1, ::1 and hosts (IP addresses
// become IP SANs, names DNS SANs; "[::1]" is accepted). The files are kept
// when they hold a matching pair that covers every host and is valid at now
// for more than CertRenewBefore; otherwise a new certificate, valid from
// now for CertValidity, replaces them, so the caller must load the files
// after every call. A key file that others can read is refused
// (*PermissionsError); damaged files are replaced.
//
// The certificate is its own issuer and a CA (IsCA, key usage CertSign and
// DigitalSignature, extended key usage ServerAuth), so clients can trust it
// by adding CertFile to their roots, for example with SSL_CERT_FILE.
func (d *Dir) Certificate(hosts []string, now time.Time) (certFile, keyFile string, err error) {
	want, err := parseCertHosts(hosts)
	if err != nil {
		return "", "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	certFile, keyFile = d.Path(CertFile), d.Path(CertKeyFile)
	cert, err := loadCertificate(certFile, keyFile)
	switch {
	case err == nil:
		if want.coveredBy(cert) && now.After(cert.NotBefore) && cert.NotAfter.Sub(now) > CertRenewBefore {
			return certFile, keyFile, nil
		}
	case errors.Is(err, ErrInsecure):
		return "", "", fmt.Errorf("TLS key: %w", err)
	}
	// Missing, damaged, expiring or not covering every host: replace.
	certPEM, keyPEM, err := newCertificate(want, now, d.rand())
	if err != nil {
		return "", "", err
	}
	// Key first: after a crash between the two writes, the pair does not
	// match and is replaced on the next call.
	if err := WriteFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("save TLS key: %w", err)
	}
	if err := WriteFileAtomic(certFile, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("save TLS certificate: %w", err)
	}
	return certFile, keyFile, nil
}

// certHosts are the names and addresses a certificate must cover, sorted
// and without duplicates.
type certHosts struct {
	names []string
	ips   []net.IP
}

// parseCertHosts adds hosts to the defaults, refusing anything that is
// neither an IP address nor a DNS name (a port, a URL, a space).
func parseCertHosts(hosts []string) (certHosts, error) {
	var h certHosts
	for _, raw := range append(slices.Clone(defaultCertHosts), hosts...) {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			s = s[1 : len(s)-1]
		}
		if ip := net.ParseIP(s); ip != nil {
			if !slices.ContainsFunc(h.ips, ip.Equal) {
				h.ips = append(h.ips, ip)
			}
			continue
		}
		name := strings.ToLower(strings.TrimSuffix(s, "."))
		if !validDNSName(name) {
			return certHosts{}, fmt.Errorf("invalid host %q for the TLS certificate: give a DNS name (like db.example.test) or an IP address, without port or scheme", raw)
		}
		if !slices.Contains(h.names, name) {
			h.names = append(h.names, name)
		}
	}
	slices.Sort(h.names)
	slices.SortFunc(h.ips, func(a, b net.IP) int { return strings.Compare(a.String(), b.String()) })
	return h, nil
}

// validDNSName accepts lower-case names made of labels of letters, digits,
// '-' and '_', with an optional leading "*." wildcard.
func validDNSName(name string) bool {
	name = strings.TrimPrefix(name, "*.")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// coveredBy reports whether cert names every host in h.
func (h certHosts) coveredBy(cert *x509.Certificate) bool {
	for _, n := range h.names {
		if !slices.ContainsFunc(cert.DNSNames, func(c string) bool { return strings.EqualFold(c, n) }) {
			return false
		}
	}
	for _, ip := range h.ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// loadCertificate parses the pair at certFile and keyFile and checks that
// the key matches. The error wraps fs.ErrNotExist when a file is missing
// and ErrInsecure when the key file is readable by others.
func loadCertificate(certFile, keyFile string) (*x509.Certificate, error) {
	keyPEM, err := ReadPrivateFile(keyFile)
	if err != nil {
		return nil, err
	}
	certPEM, err := readFile(certFile)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %w", certFile, keyFile, err)
	}
	if pair.Leaf != nil {
		return pair.Leaf, nil
	}
	return x509.ParseCertificate(pair.Certificate[0])
}

// newCertificate creates a self-signed CA certificate for h, valid from now
// (backdated by certBackdate) for CertValidity, and returns it and its key
// in PEM.
func newCertificate(h certHosts, now time.Time, random io.Reader) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, nil, fmt.Errorf("generate TLS key: %w", err)
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("generate certificate serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "localyun",
			Organization: []string{"localyun self-signed"},
		},
		NotBefore:             now.Add(-certBackdate),
		NotAfter:              now.Add(CertValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		// A CA, so that a client may list it as a root (SSL_CERT_FILE);
		// path length 0, so it can sign nothing that chains to it.
		IsCA:           true,
		MaxPathLenZero: true,
		DNSNames:       h.names,
		IPAddresses:    h.ips,
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode TLS key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}
