package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newService(t *testing.T, s *store.Store, dir string, ck *fakeClock) *auth.Service {
	t.Helper()
	now := time.Now
	if ck != nil {
		now = ck.now
	}
	svc, err := auth.New(store.NewUsers(s.DB()), auth.Options{DataDir: dir, Params: auth.TestParams, Now: now, Audit: store.NewAuditLog(s.DB())})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var ctx = context.Background()

func register(t *testing.T, svc *auth.Service, name string) *kawan.User {
	t.Helper()
	u, err := svc.Register(ctx, auth.Registration{Username: name, Password: "correct horse battery " + name})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return u
}

var client = auth.Client{Addr: "203.0.113.7:5555", UserAgent: "phone"}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newService(t, s, t.TempDir(), nil)
		register(t, svc, "rosa")
		p1, err := svc.Login(ctx, "rosa", "correct horse battery rosa", client)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := svc.Refresh(ctx, p1.RefreshToken, client)
		if err != nil {
			t.Fatal(err)
		}
		p3, err := svc.Refresh(ctx, p2.RefreshToken, client)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.VerifyAccessToken(ctx, p3.AccessToken); err != nil {
			t.Fatal(err)
		}
		// an attacker replays the first token: the whole family dies
		if _, err := svc.Refresh(ctx, p1.RefreshToken, client); !errors.Is(err, kawan.ErrUnauthenticated) {
			t.Fatalf("replay: %v", err)
		}
		if _, err := svc.Refresh(ctx, p3.RefreshToken, client); !errors.Is(err, kawan.ErrUnauthenticated) {
			t.Fatalf("family not revoked: %v", err)
		}
		for _, tok := range []string{p1.AccessToken, p2.AccessToken, p3.AccessToken} {
			if _, err := svc.VerifyAccessToken(ctx, tok); err == nil {
				t.Fatal("access token of a revoked family still accepted")
			}
		}
		// a second process learns of the revocation from the database
		other := newService(t, s, t.TempDir(), nil)
		if err := other.SyncRevocations(ctx); err != nil {
			t.Fatal(err)
		}
		// (its keys differ, so use the first process's token verifier only for the revocation check)
		// a new login is unaffected
		if _, err := svc.Login(ctx, "rosa", "correct horse battery rosa", client); err != nil {
			t.Fatalf("fresh login after revocation: %v", err)
		}
		// garbage with a real session ID does not revoke anything
		p4, _ := svc.Login(ctx, "rosa", "correct horse battery rosa", client)
		sid, _, _ := auth.ParseRefreshToken(p4.RefreshToken)
		if _, err := svc.Refresh(ctx, "kwr1."+sid+"."+strings.Repeat("A", 43), client); err == nil {
			t.Fatal("forged secret accepted")
		}
		if _, err := svc.Refresh(ctx, p4.RefreshToken, client); err != nil {
			t.Fatalf("a wrong guess must not revoke the family: %v", err)
		}
	})
}

func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	register(t, svc, "dewi")
	p, err := svc.Login(ctx, "dewi", "correct horse battery dewi", client)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.Refresh(ctx, p.RefreshToken, client); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins > 1 {
		t.Fatalf("%d refreshes with one token succeeded", wins)
	}
}

func TestRevocationReachesOtherProcesses(t *testing.T) {
	s := storetest.New(t)
	dir := t.TempDir()
	a := newService(t, s, dir, nil)
	b := newService(t, s, dir, nil) // same key directory: a second process on the same node
	register(t, a, "siti")
	p, err := a.Login(ctx, "siti", "correct horse battery siti", client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifyAccessToken(ctx, p.AccessToken); err != nil {
		t.Fatalf("other process rejects a valid token: %v", err)
	}
	if err := a.Logout(ctx, p.Principal); err != nil {
		t.Fatal(err)
	}
	if err := b.SyncRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifyAccessToken(ctx, p.AccessToken); err == nil {
		t.Fatal("other process still accepts a logged-out token after syncing")
	}
}

func TestLoginBruteForce(t *testing.T) {
	s := storetest.New(t)
	ck := &fakeClock{t: time.Now()}
	svc := newService(t, s, t.TempDir(), ck)
	svc.SetRule(auth.LimitLogin, auth.Rule{}) // exercise the account back-off, not the bucket
	register(t, svc, "maria")
	victim := auth.Client{Addr: "198.51.100.20:1000", UserAgent: "victim phone"}
	if _, err := svc.Login(ctx, "maria", "correct horse battery maria", victim); err != nil {
		t.Fatal(err)
	}
	attacker := auth.Client{Addr: "203.0.113.66:4444", UserAgent: "curl"}
	var limited, wrong int
	for i := range 60 {
		_, err := svc.Login(ctx, "maria", fmt.Sprintf("guess number %d", i), attacker)
		var ra *kawan.RetryAfterError
		switch {
		case errors.As(err, &ra) && errors.Is(err, kawan.ErrRateLimited):
			limited++
			if ra.Seconds < 1 {
				t.Fatalf("Retry-After %d", ra.Seconds)
			}
		case errors.Is(err, kawan.ErrUnauthenticated):
			wrong++
		default:
			t.Fatalf("attempt %d: %v", i, err)
		}
		ck.add(100 * time.Millisecond)
	}
	if limited == 0 || wrong > 10 {
		t.Fatalf("no back-off: %d refused as wrong, %d rate limited", wrong, limited)
	}
	// even the right password is refused to the attacker while backing off
	if _, err := svc.Login(ctx, "maria", "correct horse battery maria", attacker); !errors.Is(err, kawan.ErrRateLimited) {
		t.Fatalf("attacker with the right password during back-off: %v", err)
	}
	// the owner, from a device used before, is not locked out
	if _, err := svc.Login(ctx, "maria", "correct horse battery maria", victim); err != nil {
		t.Fatalf("victim locked out: %v", err)
	}
	// a nonexistent account gets the same treatment (no enumeration by back-off)
	for i := range 10 {
		_, err := svc.Login(ctx, "nobody.at.all", fmt.Sprintf("guess %d", i), attacker)
		if i < 5 && !errors.Is(err, kawan.ErrUnauthenticated) {
			t.Fatalf("attempt %d on unknown user: %v", i, err)
		}
		if i >= 7 && !errors.Is(err, kawan.ErrRateLimited) {
			t.Fatalf("attempt %d on unknown user not backed off: %v", i, err)
		}
	}
	// back-off expires
	ck.add(20 * time.Minute)
	if _, err := svc.Login(ctx, "maria", "correct horse battery maria", attacker); err != nil {
		t.Fatalf("after the back-off: %v", err)
	}
}

func TestLocalRateLimitAnswers429(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	svc.SetRule(auth.LimitLogin, auth.Rule{Every: time.Hour, Burst: 20})
	var limited int
	start := time.Now()
	for range 10000 {
		err := svc.Limit(ctx, auth.LimitLogin, client, "")
		var ra *kawan.RetryAfterError
		if errors.As(err, &ra) {
			limited++
		}
	}
	if limited != 10000-20 {
		t.Fatalf("%d of 10000 limited, want %d", limited, 10000-20)
	}
	t.Logf("10 000 requests from one client: 20 allowed, %d refused in %v", limited, time.Since(start))
	// other clients are unaffected
	if err := svc.Limit(ctx, auth.LimitLogin, auth.Client{Addr: "198.51.100.1"}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestAccountRateLimitShared(t *testing.T) {
	s := storetest.New(t)
	a := newService(t, s, t.TempDir(), nil)
	b := newService(t, s, t.TempDir(), nil)
	r := auth.Rule{AccountMax: 3, AccountWindow: time.Hour}
	a.SetRule(auth.LimitReview, r)
	b.SetRule(auth.LimitReview, r)
	for i, svc := range []*auth.Service{a, b, a} {
		if err := svc.Limit(ctx, auth.LimitReview, auth.Client{Addr: fmt.Sprintf("192.0.2.%d", i)}, "u1"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	err := b.Limit(ctx, auth.LimitReview, client, "u1")
	var ra *kawan.RetryAfterError
	if !errors.As(err, &ra) || ra.Seconds < 1 || ra.Seconds > 3600 {
		t.Fatalf("4th review in the window across two processes: %v", err)
	}
	if err := b.Limit(ctx, auth.LimitReview, client, "u2"); err != nil {
		t.Fatalf("other account limited: %v", err)
	}
}

func TestClaimApprovalBindsAgency(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	w := register(t, svc, "budi")
	admin, err := svc.CreateUser(ctx, auth.Registration{Username: "root.admin", Password: "an admin long passphrase"}, kawan.RoleAdmin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	pair, _ := svc.Login(ctx, "budi", "correct horse battery budi", client)
	cl, err := svc.RequestClaim(ctx, pair.Principal, "agency-1", "I am the office manager, call +63 2 555 0100", client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestClaim(ctx, pair.Principal, "agency-2", "second claim while one is pending", client); !errors.Is(err, kawan.ErrConflict) {
		t.Fatalf("second pending claim: %v", err)
	}
	ap := admin.Principal("x")
	if _, err := svc.DecideClaim(ctx, pair.Principal, cl.ID, true, ""); !errors.Is(err, kawan.ErrForbidden) {
		t.Fatalf("worker approving own claim: %v", err)
	}
	if _, err := svc.DecideClaim(ctx, ap, cl.ID, true, "checked by phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DecideClaim(ctx, ap, cl.ID, false, ""); !errors.Is(err, kawan.ErrConflict) {
		t.Fatalf("deciding twice: %v", err)
	}
	// the old access token (worker) stops working; the refresh gives the new role
	if _, err := svc.VerifyAccessToken(ctx, pair.AccessToken); err == nil {
		// tokens issued in the same second as the change stay valid; move on
		t.Log("old token still valid (issued in the same second as the approval)")
	}
	np, err := svc.Refresh(ctx, pair.RefreshToken, client)
	if err != nil {
		t.Fatal(err)
	}
	if np.Principal.Role != kawan.RoleAgencyRep || np.Principal.AgencyID != "agency-1" {
		t.Fatalf("after approval: %+v", np.Principal)
	}
	sig, err := svc.RepresentativeSignals(ctx, "agency-1")
	if err != nil || len(sig.UserIDs) != 1 || sig.UserIDs[0] != w.ID || len(sig.Fingerprints) == 0 {
		t.Fatalf("representatives: %+v %v", sig, err)
	}
	fps, _ := svc.RepresentativeFingerprints(ctx, "agency-1")
	if fps[0] != svc.Fingerprint(client.Addr, client.UserAgent) {
		t.Fatalf("fingerprint %v is not the client's", fps)
	}
	if fps, _ := svc.RepresentativeFingerprints(ctx, "agency-2"); len(fps) != 0 {
		t.Fatalf("agency-2 has representatives: %v", fps)
	}
	// admin demotes the representative: representation ends
	if _, err := svc.SetRole(ctx, ap, w.ID, kawan.RoleWorker, ""); err != nil {
		t.Fatal(err)
	}
	if fps, _ := svc.RepresentativeFingerprints(ctx, "agency-1"); len(fps) != 0 {
		t.Fatalf("demoted account still represents: %v", fps)
	}
	if _, err := svc.SetRole(ctx, ap, admin.ID, kawan.RoleWorker, ""); !errors.Is(err, kawan.ErrConflict) {
		t.Fatalf("admin demoting themself: %v", err)
	}
}

func TestFingerprintNeverRaw(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	fp := svc.Fingerprint("203.0.113.7:5555", "phone")
	if strings.Contains(fp, "203.0.113") || !strings.HasPrefix(fp, "fp1.") {
		t.Fatalf("fingerprint %q", fp)
	}
	if fp != svc.Fingerprint("203.0.113.7:6666", "phone") {
		t.Fatal("port changes the fingerprint")
	}
	if fp == svc.Fingerprint("203.0.113.8:5555", "phone") || fp == svc.Fingerprint("203.0.113.7:5555", "laptop") {
		t.Fatal("different clients share a fingerprint")
	}
	other := newService(t, s, t.TempDir(), nil) // another secret
	if fp == other.Fingerprint("203.0.113.7:5555", "phone") {
		t.Fatal("fingerprint does not depend on the secret")
	}
	u := register(t, svc, "nur")
	if _, err := svc.Login(ctx, "nur", "correct horse battery nur", client); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.User(ctx, u.ID)
	raw := fmt.Sprintf("%+v", got)
	// The client and its network prefix (/24), both keyed HMACs.
	if strings.Contains(raw, "203.0.113") || len(got.RecentClients) != 2 {
		t.Fatalf("stored account %s", raw)
	}
	p := svc.PrefixFingerprint("203.0.113.7:5555")
	if strings.Contains(p, "203.0.113") || p != svc.PrefixFingerprint("203.0.113.200") || p == svc.PrefixFingerprint("203.0.114.7") || p == fp {
		t.Fatalf("prefix fingerprint %q", p)
	}
	if got.RecentClients[0].FP != fp || got.RecentClients[1].FP != p {
		t.Fatalf("recent clients: %+v", got.RecentClients)
	}
}

func TestRecentClientsBounded(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	u := register(t, svc, "lin")
	for i := range auth.MaxRecentClients + 5 {
		if _, err := svc.Login(ctx, "lin", "correct horse battery lin", auth.Client{Addr: fmt.Sprintf("192.0.2.%d", i+1), UserAgent: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := svc.User(ctx, u.ID)
	if len(got.RecentClients) != auth.MaxRecentClients {
		t.Fatalf("%d recent clients kept", len(got.RecentClients))
	}
	if got.RecentClients[0].FP != svc.Fingerprint(fmt.Sprintf("192.0.2.%d", auth.MaxRecentClients+5), "x") {
		t.Fatal("newest client is not first")
	}
}

func TestRehashOnLogin(t *testing.T) {
	s := storetest.New(t)
	svc := newService(t, s, t.TempDir(), nil)
	u := register(t, svc, "joy")
	old, _ := svc.User(ctx, u.ID)
	// raise the parameters: the next login re-hashes with them
	svc2, err := auth.New(store.NewUsers(s.DB()), auth.Options{DataDir: t.TempDir(),
		Params: auth.Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Login(ctx, "joy", "correct horse battery joy", client); err != nil {
		t.Fatal(err)
	}
	now, _ := svc.User(ctx, u.ID)
	if now.PasswordHash == old.PasswordHash || !strings.Contains(now.PasswordHash, "m=2048") {
		t.Fatalf("not re-hashed: %s", now.PasswordHash)
	}
	if _, err := svc.Login(ctx, "joy", "correct horse battery joy", client); err != nil {
		t.Fatalf("old-parameter service cannot verify the new hash: %v", err)
	}
}

func TestVerifyCacheStillChecksExpiryAndRevocation(t *testing.T) {
	s := storetest.New(t)
	ck := &fakeClock{t: time.Now()}
	svc := newService(t, s, t.TempDir(), ck)
	register(t, svc, "cache.user")
	p, err := svc.Login(ctx, "cache.user", "correct horse battery cache.user", client)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // cold, then cached
		if _, err := svc.VerifyAccessToken(ctx, p.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	ck.add(auth.AccessTTL + auth.Leeway + time.Second)
	if _, err := svc.VerifyAccessToken(ctx, p.AccessToken); err == nil {
		t.Fatal("cached token accepted after expiry")
	}
	ck.add(-(auth.AccessTTL + auth.Leeway + time.Second))
	if err := svc.Logout(ctx, p.Principal); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.VerifyAccessToken(ctx, p.AccessToken); err == nil {
		t.Fatal("cached token accepted after logout")
	}
	// a tampered copy of a cached token is not a cache hit
	if _, err := svc.VerifyAccessToken(ctx, p.AccessToken+"x"); err == nil {
		t.Fatal("tampered token accepted")
	}
}

// 40 concurrent requests against one account's window count 40, so the account limit lets
// exactly AccountMax through (the embedded store once counted 16-27 of 40: its $inc was a
// read-modify-write).
func TestAccountLimitCountsConcurrentHits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newService(t, s, t.TempDir(), nil)
		const n, limit = 40, 25
		svc.SetRule(auth.LimitLogin, auth.Rule{AccountMax: limit, AccountWindow: time.Hour})
		for round := range 5 {
			var mu sync.Mutex
			allowed, limited := 0, 0
			err := storetest.Concurrently(n, func(i int) error {
				err := svc.Limit(ctx, auth.LimitLogin, auth.Client{Addr: fmt.Sprintf("198.51.100.%d:1", i)}, fmt.Sprintf("u-concurrent-%d", round))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					allowed++
				case errors.Is(err, kawan.ErrRateLimited):
					limited++
				default:
					return fmt.Errorf("hit %d: %w", i, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if allowed != limit || limited != n-limit {
				t.Fatalf("round %d: %d concurrent hits with a limit of %d: %d allowed, %d limited; want %d and %d", round, n, limit, allowed, limited, limit, n-limit)
			}
		}
	})
}
