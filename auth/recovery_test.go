package auth_test

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// recoveryService is a Service with the development outbox in a temporary directory; the
// outbox's log lines are collected in logged.
func recoveryService(t *testing.T, s *store.Store, ck *fakeClock) (*auth.Service, auth.FileOutbox) {
	t.Helper()
	box := auth.FileOutbox{Dir: filepath.Join(t.TempDir(), "outbox"), Log: func(msg string, args ...any) {
		outboxLog.Lock()
		defer outboxLog.Unlock()
		outboxLog.lines = append(outboxLog.lines, fmt.Sprint(msg, args))
	}}
	svc, err := auth.New(store.NewUsers(s.DB()), auth.Options{DataDir: t.TempDir(), Params: auth.TestParams, Now: ck.now,
		Audit: store.NewAuditLog(s.DB()), Outbox: box, BaseURL: "https://kawan.example/"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, box
}

var outboxLog struct {
	sync.Mutex
	lines []string
}

func tokenOf(t *testing.T, m auth.ResetMessage) string {
	t.Helper()
	u, err := url.Parse(m.Link)
	if err != nil || u.Host != "kawan.example" || u.Path != "/reset" {
		t.Fatalf("reset link %q", m.Link)
	}
	return u.Query().Get("token")
}

func TestPasswordRecovery(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ck := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
		svc, box := recoveryService(t, s, ck)
		u, err := svc.Register(ctx, auth.Registration{Username: "rita", Password: "correct horse battery", Email: "Rita@Example.org", Phone: "+63 917 123 4567"})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := svc.StartSession(ctx, u, client)
		if err != nil {
			t.Fatal(err)
		}

		// Unknown contacts and known ones get the same (nil) answer; only known ones get mail.
		for _, contact := range []string{"nobody@example.org", "+977 981 000 0000"} {
			if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: contact}, client); err != nil {
				t.Fatalf("reset for unknown %s: %v", contact, err)
			}
		}
		svc.WaitResets()
		if msgs, _ := box.Messages(); len(msgs) != 0 {
			t.Fatalf("messages for unknown contacts: %+v", msgs)
		}
		for _, bad := range []string{"", "not an address@", "call me maybe"} {
			var ve *kawan.ValidationError
			if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: bad}, client); !errors.As(err, &ve) || ve.Fields[0].Field != "contact" {
				t.Errorf("contact %q: %v", bad, err)
			}
		}
		if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: " rita@EXAMPLE.org ", Lang: "ne"}, client); err != nil {
			t.Fatal(err)
		}
		if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: "+63-917-123-4567"}, client); err != nil {
			t.Fatal(err)
		}
		svc.WaitResets()
		msgs, err := box.Messages()
		if err != nil || len(msgs) != 2 {
			t.Fatalf("messages: %+v %v", msgs, err)
		}
		// deliveries start at a random moment: put the e-mail first
		slices.SortFunc(msgs, func(a, b auth.ResetMessage) int { return strings.Compare(a.Channel, b.Channel) })
		if msgs[0].Channel != "email" || msgs[0].To != "rita@example.org" || msgs[0].Username != "rita" || msgs[0].Lang != "ne" ||
			!msgs[0].ExpiresAt.Equal(ck.now().Add(auth.ResetTTL)) || msgs[1].Channel != "sms" || msgs[1].To != "+639171234567" {
			t.Errorf("messages: %+v", msgs)
		}
		emailTok, smsTok := tokenOf(t, msgs[0]), tokenOf(t, msgs[1])

		// Only hashes are stored: no stored document holds the secret.
		var docs []bson.M
		cur, err := s.DB().Collection("password_resets").Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if err := cur.All(ctx, &docs); err != nil || len(docs) != 2 {
			t.Fatalf("stored resets: %d %v", len(docs), err)
		}
		secret := strings.TrimPrefix(emailTok, "kwp1.")
		outboxLog.Lock()
		for _, l := range outboxLog.lines {
			if strings.Contains(l, secret) || strings.Contains(l, "rita@example.org") || strings.Contains(l, "9171234567") {
				t.Errorf("the development outbox logged a secret or a contact detail: %s", l)
			}
		}
		if len(outboxLog.lines) == 0 || !strings.Contains(outboxLog.lines[0], "written to outbox file") {
			t.Errorf("outbox log lines: %q", outboxLog.lines)
		}
		outboxLog.Unlock()
		for _, d := range docs {
			for k, v := range d {
				if s, ok := v.(string); ok && strings.Contains(s, secret) {
					t.Errorf("stored reset field %s holds the secret", k)
				}
			}
		}

		// A password the policy refuses leaves the link usable; then the link works once.
		var ve *kawan.ValidationError
		if err := svc.ResetPassword(ctx, emailTok, "password1"); !errors.As(err, &ve) || ve.Fields[0].Field != "password" {
			t.Fatalf("weak new password: %v", err)
		}
		if err := svc.CheckReset(ctx, emailTok); err != nil {
			t.Fatalf("link after a refused password: %v", err)
		}
		if err := svc.ResetPassword(ctx, emailTok, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{emailTok, smsTok, "kwp1.short", "", emailTok + "x"} {
			if err := svc.ResetPassword(ctx, tok, "another new passphrase"); !errors.As(err, &ve) || ve.Fields[0].Field != "token" {
				t.Errorf("token %q after the reset: %v", tok, err)
			}
		}
		// Every session of the account is over; the new password signs in, the old does not.
		if _, err := svc.Refresh(ctx, sess.RefreshToken, client); !errors.Is(err, kawan.ErrUnauthenticated) {
			t.Errorf("refresh after the reset: %v", err)
		}
		if _, err := svc.VerifyAccessToken(ctx, sess.AccessToken); err == nil {
			t.Error("access token still accepted after the reset")
		}
		if _, err := svc.Login(ctx, "rita", "correct horse battery", client); err == nil {
			t.Error("old password still signs in")
		}
		if _, err := svc.Login(ctx, "rita", "a brand new passphrase", client); err != nil {
			t.Errorf("new password: %v", err)
		}

		// Links expire after ResetTTL.
		if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: "rita@example.org"}, auth.Client{Addr: "198.51.100.4"}); err != nil {
			t.Fatal(err)
		}
		svc.WaitResets()
		msgs, _ = box.Messages()
		late := tokenOf(t, msgs[len(msgs)-1])
		ck.add(auth.ResetTTL + time.Second)
		if err := svc.ResetPassword(ctx, late, "a third new passphrase"); !errors.As(err, &ve) || ve.Fields[0].Field != "token" {
			t.Errorf("expired link: %v", err)
		}
	})
}

// TestPasswordResetSingleUse: two requests with one link at once; exactly one wins.
func TestPasswordResetSingleUse(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ck := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
		svc, box := recoveryService(t, s, ck)
		if _, err := svc.Register(ctx, auth.Registration{Username: "sita", Password: "correct horse battery", Email: "sita@example.org"}); err != nil {
			t.Fatal(err)
		}
		if err := svc.RequestReset(ctx, auth.ResetRequest{Contact: "sita@example.org"}, client); err != nil {
			t.Fatal(err)
		}
		svc.WaitResets()
		msgs, _ := box.Messages()
		if len(msgs) != 1 {
			t.Fatalf("messages: %+v", msgs)
		}
		tok := tokenOf(t, msgs[0])
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := svc.ResetPassword(ctx, tok, "parallel passphrase "+string(rune('a'+i))); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d resets succeeded with one link, want 1", wins)
		}
	})
}

// TestPasswordRecoveryRateLimit: per contact detail (3 an hour), whether or not an account
// has it, so the limit itself says nothing.
func TestPasswordRecoveryRateLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ck := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
		svc, _ := recoveryService(t, s, ck)
		svc.SetRule(auth.LimitRecover, auth.Rule{Every: time.Millisecond, Burst: 1000, AccountMax: 3, AccountWindow: time.Hour})
		if _, err := svc.Register(ctx, auth.Registration{Username: "maya", Password: "correct horse battery", Email: "maya@example.org"}); err != nil {
			t.Fatal(err)
		}
		for _, contact := range []string{"maya@example.org", "ghost@example.org"} {
			for i := range 4 {
				err := svc.RequestReset(ctx, auth.ResetRequest{Contact: contact}, client)
				if i < 3 && err != nil || i == 3 && !errors.Is(err, kawan.ErrRateLimited) {
					t.Errorf("%s request %d: %v", contact, i+1, err)
				}
			}
		}
		svc.WaitResets()
		// The per-network bucket is the default's first line.
		svc2, _ := recoveryService(t, s, ck)
		var limited bool
		for i := range 10 {
			if err := svc2.RequestReset(ctx, auth.ResetRequest{Contact: "n" + string(rune('a'+i)) + "@example.org"}, client); errors.Is(err, kawan.ErrRateLimited) {
				limited = true
			}
		}
		svc2.WaitResets()
		if !limited {
			t.Error("ten requests from one network in a moment were not limited")
		}
	})
}
