package moderation_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// TestRecoverAudit: the audit entry of a transition travels with its token. If the process
// stops between the transition and the audit log (simulated by transitioning through the
// store alone), RecoverAudit writes the entry, once; a token whose transition never
// happened is dropped without an entry; entries written normally are not written again.
func TestRecoverAudit(t *testing.T) {
	var shift atomic.Int64
	e := newEnv(t, moderation.Options{Now: func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }}, "ag1")
	c := e.client(t)
	ctx := context.Background()
	first := submit(t, c.As("w1"), "ag1", review(4, "The agency explained every fee in writing and the job matched the contract I signed."))
	second := submit(t, c.As("w2"), "ag1", review(2, "They asked for more money at the airport than the contract said, and kept my passport for a week."))

	// A decision through the service: audited at once.
	if r := c.As("mod1").Do("POST", "/v1/moderation/reviews/"+first.ID+"/decision", `{"action":"remove","reason":"off_topic"}`); r.Status != 200 {
		t.Fatalf("decision: %d %s", r.Status, r.Body)
	}
	// A transition whose audit entry was never written: the process "stopped" after it.
	ms := store.NewModeration(e.st.DB())
	r, err := ms.Review(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	to := kawan.ReviewRejected
	if r.Status == kawan.ReviewPublished {
		to = kawan.ReviewRemoved
	}
	entry := &kawan.AuditEntry{At: time.Now().UTC(), ActorID: "mod2", ActorRole: kawan.RoleModerator, Action: "review.decision",
		Subject: "review:" + second.ID, From: string(r.Status), To: string(to), Reason: "fake"}
	if _, err := ms.TransitionReview(ctx, r, to, nil, nil, entry); err != nil {
		t.Fatal(err)
	}
	// A token claimed for a transition that never happened (stopped before the write).
	orphan := store.TransitionKey(first.ID, 999)
	tokens := e.st.DB().Collection("mod_transitions")
	if _, err := tokens.InsertOne(ctx, bson.D{{Key: "_id", Value: orphan}, {Key: "at", Value: time.Now().UTC()}, {Key: "review_id", Value: first.ID},
		{Key: "audit", Value: kawan.AuditEntry{ID: "orphan-entry", Action: "review.decision", Subject: "review:" + first.ID}}, {Key: "audited", Value: false}}); err != nil {
		t.Fatal(err)
	}

	decisions := func(id string) int {
		t.Helper()
		es, err := e.audit.BySubject(ctx, "review:"+id, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range es {
			if x.Action == "review.decision" {
				n++
			}
		}
		return n
	}
	// Within the grace period nothing is touched.
	if n, err := e.mod.RecoverAudit(ctx); err != nil || n != 0 || decisions(second.ID) != 0 {
		t.Fatalf("recovery during the grace period: %d %v", n, err)
	}
	shift.Store(int64(3 * time.Minute))
	if n, err := e.mod.RecoverAudit(ctx); err != nil || n != 1 {
		t.Fatalf("recovery: wrote %d, %v", n, err)
	}
	if got := decisions(second.ID); got != 1 {
		t.Errorf("the lost decision is in the audit log %d times, want 1", got)
	}
	if got := decisions(first.ID); got != 1 {
		t.Errorf("the normal decision is in the audit log %d times, want 1 (orphan must not be written)", got)
	}
	if n, _ := tokens.CountDocuments(ctx, bson.D{{Key: "_id", Value: orphan}}); n != 0 {
		t.Error("the orphan token was not dropped")
	}
	if n, err := e.mod.RecoverAudit(ctx); err != nil || n != 0 || decisions(second.ID) != 1 {
		t.Errorf("second recovery: wrote %d, %v; entries %d", n, err, decisions(second.ID))
	}
}
