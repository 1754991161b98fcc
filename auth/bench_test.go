package auth_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// BenchmarkHashPassword is the argon2id cost with the production parameters (target
// 50–100 ms on the reference machine). Reported as ms/hash too.
func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	start, cpu0 := time.Now(), cpuTime()
	n := 0
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery staple", auth.DefaultParams); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(n), "ms/hash")
	// CPU time is what the hash costs whatever else the machine is doing (wall time on a
	// shared, loaded machine is not).
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/hash")
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkServiceVerifyAccessToken is the per-request cost of authentication for a token
// the process has seen before (the common case: a client reuses its token for 15 minutes):
// cache hit, expiry and revocation checks. BenchmarkVerifyAccessToken is the first sight
// of a token (full Ed25519 and claims verification).
func BenchmarkServiceVerifyAccessToken(b *testing.B) {
	s := storetest.New(b)
	svc, err := auth.New(store.NewUsers(s.DB()), auth.Options{DataDir: b.TempDir(), Params: auth.TestParams})
	if err != nil {
		b.Fatal(err)
	}
	u, err := svc.Register(ctx, auth.Registration{Username: "bench.user", Password: "a bench passphrase here"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.StartSession(ctx, u, auth.Client{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.VerifyAccessToken(ctx, p.AccessToken); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkLogin is a full sign-in with the production argon2id parameters against the
// embedded FerretDB: throttle reads, username and account reads, password check, new
// session, fingerprint update. Reported as logins/s with all cores busy.
func BenchmarkLogin(b *testing.B) {
	s := storetest.New(b)
	svc, err := auth.New(store.NewUsers(s.DB()), auth.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	svc.SetRule(auth.LimitLogin, auth.Rule{})
	if _, err := svc.Register(ctx, auth.Registration{Username: "bench.login", Password: "a bench passphrase here"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start, cpu0 := time.Now(), cpuTime()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/login") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Login(ctx, "bench.login", "a bench passphrase here", client); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
}
