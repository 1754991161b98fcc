package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// TestOutageMapsToUnavailable stops the embedded FerretDB under a connected store and
// checks that every kind of operation fails as kawan.ErrUnavailable (→ 503 with
// Retry-After), never as an unclassified error (→ 500); then restarts it on the same
// address and directory and checks the same client recovers within 5 seconds.
func TestOutageMapsToUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a database")
	}
	dir := t.TempDir()
	e, err := store.StartEmbedded(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := e.Addr()
	ctx := context.Background()
	s, err := store.Connect(ctx, e.URI(), "outage")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	c := s.DB().Collection("things")
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(ctx context.Context) error{
		"insert": func(ctx context.Context) error {
			_, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: kawan.NewID()}})
			return err
		},
		"find": func(ctx context.Context) error {
			return c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Err()
		},
		"update": func(ctx context.Context) error {
			_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
			return err
		},
		"findOneAndUpdate": func(ctx context.Context) error {
			return c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Err()
		},
		"cursor": func(ctx context.Context) error {
			cur, err := c.Find(ctx, bson.D{})
			if err != nil {
				return err
			}
			var out []bson.M
			return cur.All(ctx, &out)
		},
		"count": func(ctx context.Context) error {
			_, err := c.CountDocuments(ctx, bson.D{})
			return err
		},
	}
	for name, op := range ops {
		if err := op(ctx); err != nil {
			t.Fatalf("%s before the outage: %v", name, err)
		}
	}
	stopAt := time.Now()
	if err := e.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %v", time.Since(stopAt))
	// In parallel: each waits out the driver's server-selection timeout.
	var wg sync.WaitGroup
	for name, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			octx, cancel := context.WithTimeout(ctx, 8*time.Second)
			defer cancel()
			err := op(octx)
			if err == nil {
				t.Errorf("%s during the outage succeeded", name)
				return
			}
			cl := store.Classify(name, err)
			var ra *kawan.RetryAfterError
			if !errors.Is(cl, kawan.ErrUnavailable) || !errors.As(cl, &ra) {
				t.Errorf("%s during the outage: %v classified as %v, want ErrUnavailable with Retry-After", name, err, cl)
			}
			t.Logf("%s during the outage: %v", name, err)
		}()
	}
	wg.Wait()
	e2, err := store.StartEmbeddedAt(dir, addr, nil)
	if err != nil {
		t.Fatalf("restart on %s: %v", addr, err)
	}
	defer e2.Stop(10 * time.Second)
	start := time.Now()
	for name, op := range ops {
		for {
			octx, cancel := context.WithTimeout(ctx, time.Second)
			err := op(octx)
			cancel()
			if err == nil {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("%s did not recover within 5 s: %v", name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("recovered %v after restart", time.Since(start).Round(time.Millisecond))
	var doc struct {
		N int `bson:"n"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&doc); err != nil || doc.N < 3 {
		t.Fatalf("acknowledged updates lost over the restart: n=%d err=%v", doc.N, err)
	}
}

func TestUnavailableClassifiesTransientServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"shutdown in progress", mongo.CommandError{Code: 91, Name: "ShutdownInProgress"}, true},
		{"interrupted at shutdown", mongo.CommandError{Code: 11600}, true},
		{"not writable primary", mongo.CommandError{Code: 10107}, true},
		{"retryable write label", mongo.CommandError{Code: 1, Labels: []string{"RetryableWriteError"}}, true},
		{"write exception shutdown", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 91}}}, true},
		{"deadline", context.DeadlineExceeded, true},
		{"ferretdb stopping", mongo.CommandError{Code: 1, Name: "InternalError", Message: "[pool.go:120 sqlite.(*Pool).Get] context canceled"}, true},
		{"ferretdb closed", mongo.CommandError{Code: 1, Name: "InternalError", Message: "sql: database is closed"}, true},
		{"other internal error", mongo.CommandError{Code: 1, Name: "InternalError", Message: "unexpected type"}, false},
		{"bad value", mongo.CommandError{Code: 2, Name: "BadValue"}, false},
		{"duplicate key", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000}}}, false},
		{"plain", errors.New("boom"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := errors.Is(store.Unavailable(tc.err), kawan.ErrUnavailable)
			if got != tc.want {
				t.Fatalf("Unavailable(%v) is ErrUnavailable = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
