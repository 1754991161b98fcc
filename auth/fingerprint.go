package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"time"
)

// Fingerprinter turns a client's network address (and user agent) into a keyed HMAC, the
// only form in which Kawan keeps anything about where a request came from. The raw address
// is never stored or logged.
//
// The HMAC key rotates every calendar month (UTC): the month key is HMAC(secret, "fp|2026-11").
// Within a month the same client gives the same fingerprint (moderation's fraud signals
// compare them: many accounts from one client, a review from an agency's own
// representative's device); across months fingerprints cannot be linked, and without the
// secret they cannot be reversed, even by trying every IPv4 address. Fingerprints carry
// their month ("fp1.2026-11.<hash>"), so equal strings always mean "same client, same month".
//
// The secret is KAWAN_FINGERPRINT_KEY (every process of a deployment must share it) or,
// on a single node, a random key kept under the data directory.
type Fingerprinter struct {
	secret []byte
	mu     sync.Mutex
	month  string
	key    []byte
}

// NewFingerprinter returns a fingerprinter keyed with secret (at least 32 bytes).
func NewFingerprinter(secret []byte) *Fingerprinter {
	return &Fingerprinter{secret: append([]byte(nil), secret...)}
}

func (f *Fingerprinter) monthKey(now time.Time) (string, []byte) {
	month := now.UTC().Format("2006-01")
	f.mu.Lock()
	defer f.mu.Unlock()
	if month != f.month {
		m := hmac.New(sha256.New, f.secret)
		m.Write([]byte("fp|" + month))
		f.month, f.key = month, m.Sum(nil)
	}
	return f.month, f.key
}

func (f *Fingerprinter) sum(now time.Time, kind string, parts ...string) string {
	month, key := f.monthKey(now)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return "fp1." + month + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Client fingerprints one client: its address and user agent.
func (f *Fingerprinter) Client(addr, userAgent string, now time.Time) string {
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	return f.sum(now, "client", canonicalAddr(addr), userAgent)
}

// Network fingerprints the address a request came from: the IPv4 address, or the /64 of an
// IPv6 address (one subscriber usually holds a whole /64). Rate limits per client use it,
// because a user agent costs nothing to change. IPv4 is not widened to a /24: behind
// carrier-grade NAT a whole dormitory of phones may already share one address.
func (f *Fingerprinter) Network(addr string, now time.Time) string {
	return f.sum(now, "net", networkOf(addr))
}

// Prefix fingerprints the network prefix an address belongs to: the IPv4 /24 or the IPv6
// /48 (an office, a shelter, a household's provider allocation). Unlike Client it does not
// change with the browser or device, and unlike Network with the next address the provider
// hands out; many unrelated clients share a prefix, so it is weak evidence alone.
func (f *Fingerprinter) Prefix(addr string, now time.Time) string {
	a := canonicalAddr(addr)
	ip := net.ParseIP(a)
	if ip == nil {
		return f.sum(now, "prefix", a)
	}
	if v4 := ip.To4(); v4 != nil {
		return f.sum(now, "prefix", v4.Mask(net.CIDRMask(24, 32)).String()+"/24")
	}
	return f.sum(now, "prefix", ip.Mask(net.CIDRMask(48, 128)).String()+"/48")
}

// Contact returns the keyed HMAC of a normalised e-mail address or phone number. It does
// not rotate, so moderation can compare it with contact details found in a review.
func (f *Fingerprinter) Contact(normalized string) string {
	m := hmac.New(sha256.New, f.secret)
	m.Write([]byte("contact|" + normalized))
	return "ct1." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func canonicalAddr(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	if ip := net.ParseIP(strings.TrimSpace(addr)); ip != nil {
		return ip.String()
	}
	if len(addr) > 64 {
		addr = addr[:64]
	}
	return addr
}

func networkOf(addr string) string {
	a := canonicalAddr(addr)
	ip := net.ParseIP(a)
	if ip == nil {
		return a
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
