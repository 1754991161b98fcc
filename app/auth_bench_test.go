package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
)

// BenchmarkLoginHTTP is POST /v1/auth/login through the whole product (middleware, JSON,
// throttle reads, argon2id with the production parameters, session insert) on the
// embedded FerretDB, all cores busy. Reported as logins/s.
func BenchmarkLoginHTTP(b *testing.B) {
	saved := app.PasswordParams
	app.PasswordParams = nil // production argon2id parameters
	defer func() { app.PasswordParams = saved }()
	a := apptest.New(b, nil)
	a.Auth.SetRule(auth.LimitLogin, auth.Rule{})
	if _, err := a.Auth.Register(context.Background(), auth.Registration{Username: "bench.http", Password: "a bench passphrase here"}); err != nil {
		b.Fatal(err)
	}
	body := `{"username":"bench.http","password":"a bench passphrase here"}`
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v1/auth/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			a.Server.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("login: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
}

// BenchmarkLoginRefusedHTTP is the cost of refusing a sign-in flood (429 from the local
// bucket): what 10 000 attempts from one client cost the server.
func BenchmarkLoginRefusedHTTP(b *testing.B) {
	a := apptest.New(b, nil)
	a.Auth.SetRule(auth.LimitLogin, auth.Rule{Every: time.Hour, Burst: 1})
	body := `{"username":"nobody.here","password":"a bench passphrase here"}`
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.Server.ServeHTTP(rec, req)
		if rec.Code != http.StatusTooManyRequests && rec.Code != http.StatusUnauthorized {
			b.Fatalf("login: %d", rec.Code)
		}
	}
}
