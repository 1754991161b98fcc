package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// storetest.Open already migrated once; a second run must be a no-op.
		if err := store.Migrate(ctx, s.DB(), slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Version int `bson:"version"`
		}
		if err := s.DB().Collection("meta").FindOne(ctx, bson.D{{Key: "_id", Value: "schema"}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		steps := store.Steps()
		if want := steps[len(steps)-1].Version; doc.Version != want {
			t.Fatalf("schema version = %d, want %d", doc.Version, want)
		}
	})
}

func TestStepsAreOrdered(t *testing.T) {
	prev := 0
	for _, st := range store.Steps() {
		if st.Version <= prev {
			t.Fatalf("step %q has version %d after %d", st.Name, st.Version, prev)
		}
		prev = st.Version
	}
}

func TestMetaRoundTripAndNotFound(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var out struct {
			Value string `bson:"value"`
		}
		if err := store.Meta(ctx, s.DB(), "nothing", &out); !errors.Is(err, kawan.ErrNotFound) {
			t.Fatalf("want ErrNotFound, got %v", err)
		}
		if err := store.SetMeta(ctx, s.DB(), "k", bson.D{{Key: "value", Value: "v1"}}); err != nil {
			t.Fatal(err)
		}
		if err := store.Meta(ctx, s.DB(), "k", &out); err != nil || out.Value != "v1" {
			t.Fatalf("got %+v, %v", out, err)
		}
	})
}

func TestClassifyDuplicateKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.DB().Collection("dups")
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}}); err != nil {
			t.Fatal(err)
		}
		_, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}})
		if err = store.Classify("insert dup", err); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("want ErrConflict, got %v", err)
		}
	})
}

func TestOpenEmbeddedReusesDataDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DataDir: dir, Database: "kawan"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Collection("things").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := store.Open(ctx, store.Options{DataDir: dir, Database: "kawan"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	n, err := s2.DB().Collection("things").CountDocuments(ctx, bson.D{})
	if err != nil || n != 1 {
		t.Fatalf("after restart: count=%d err=%v", n, err)
	}
}

func TestOpenUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		// root can write anywhere; use a path under a regular file instead.
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), store.Options{DataDir: f, Database: "kawan"})
	if err == nil {
		t.Fatal("want an error for a data dir under a regular file")
	}
}

func TestOpenBadURI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := store.Open(ctx, store.Options{URI: "mongodb://user:pw@[bad", Database: "kawan"})
	if err == nil {
		t.Fatal("want error")
	}
}

// A step numbered inside an area's range that ships after a higher-numbered step (fx 150
// after reviews 400) must still run on a database that already recorded 400.
func TestMigrateRunsLateLowerNumberedStep(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.Client().Database(s.DB().Name() + "_late")
		t.Cleanup(func() { _ = db.Drop(context.Background()) })
		ran := map[int]int{}
		step := func(v int) store.Step {
			return store.Step{Version: v, Name: "t", Run: func(context.Context, *mongo.Database) error { ran[v]++; return nil }}
		}
		log := slog.New(slog.DiscardHandler)
		if err := store.MigrateSteps(ctx, db, log, []store.Step{step(1), step(400)}); err != nil {
			t.Fatal(err)
		}
		if err := store.MigrateSteps(ctx, db, log, []store.Step{step(1), step(150), step(400)}); err != nil {
			t.Fatal(err)
		}
		if ran[1] != 1 || ran[400] != 1 || ran[150] != 1 {
			t.Fatalf("runs = %v, want each step exactly once", ran)
		}
	})
}

// BenchmarkConditionalUpdate measures a compare-and-set update ({_id, version} filter) in
// a collection of 5 000 documents: with the patched FerretDB (third_party/ferretdb) the
// _id equality is pushed down to SQLite, so the cost does not grow with the collection.
func BenchmarkConditionalUpdate(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	c := s.DB().Collection("bench_cas")
	docs := make([]any, 5000)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("d%05d", i)}, {Key: "version", Value: int64(0)}, {Key: "pad", Value: strings.Repeat("x", 500)}}
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	versions := make([]int64, len(docs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(docs)
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("d%05d", k)}, {Key: "version", Value: versions[k]}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
		if err != nil || res.MatchedCount != 1 {
			b.Fatalf("update %d: matched %v, err %v", k, res, err)
		}
		versions[k]++
	}
}

// The conditional part of an _id filter still decides: a stale version matches nothing.
func TestConditionalUpdateStillChecksTheCondition(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.DB().Collection("cas_check")
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: int64(2)}}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			filter bson.D
			want   int64
		}{
			{bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: int64(1)}}, 0},
			{bson.D{{Key: "version", Value: int64(2)}, {Key: "_id", Value: "a"}}, 1},
			{bson.D{{Key: "_id", Value: "b"}, {Key: "version", Value: int64(3)}}, 0},
			{bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: bson.D{{Key: "$gte", Value: int64(3)}}}}, 1},
		} {
			res, err := c.UpdateOne(ctx, tc.filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
			if err != nil {
				t.Fatal(err)
			}
			if res.MatchedCount != tc.want {
				t.Fatalf("filter %v matched %d, want %d", tc.filter, res.MatchedCount, tc.want)
			}
		}
	})
}
