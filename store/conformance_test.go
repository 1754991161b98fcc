package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// The conformance suite: MongoDB's single-document guarantees, checked under concurrency on
// every backend (the embedded FerretDB and, with KAWAN_TEST_MONGODB_URI, a real MongoDB).
// Code above store/ relies on exactly these and takes no lock of its own for them.

// conformanceN is the number of concurrent writers per case: more than the driver's default
// pool handles at once on a 2-core machine, so the operations really overlap.
const conformanceN = 40

func conformanceCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestConformanceConcurrentInc(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_inc")
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: int64(0)}, {Key: "m", Value: int64(0)}}); err != nil {
			t.Fatal(err)
		}
		// updateOne by _id, and by _id with another condition (the pushed-down form).
		err := storetest.Concurrently(conformanceN, func(i int) error {
			f := bson.D{{Key: "_id", Value: "a"}}
			if i%2 == 1 {
				f = append(f, bson.E{Key: "n", Value: bson.D{{Key: "$gte", Value: 0}}})
			}
			_, err := c.UpdateOne(ctx, f, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}, {Key: "m", Value: int64(2)}}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ N, M int64 }
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.N != conformanceN || got.M != 2*conformanceN {
			t.Fatalf("after %d concurrent $inc: n=%d m=%d, want %d and %d", conformanceN, got.N, got.M, conformanceN, 2*conformanceN)
		}
	})
}

func TestConformanceConcurrentIncMany(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_incmany")
		for _, id := range []string{"a", "b", "c"} {
			if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "g", Value: "x"}, {Key: "n", Value: int64(0)}}); err != nil {
				t.Fatal(err)
			}
		}
		// updateMany with a field filter, interleaved with updateOne by _id on the same documents.
		err := storetest.Concurrently(conformanceN, func(i int) error {
			if i%2 == 0 {
				_, err := c.UpdateMany(ctx, bson.D{{Key: "g", Value: "x"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}})
				return err
			}
			_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "b"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"a": conformanceN / 2, "b": conformanceN, "c": conformanceN / 2}
		for id, n := range want {
			var got struct{ N int64 }
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.N != n {
				t.Errorf("%s: n=%d, want %d", id, got.N, n)
			}
		}
	})
}

func TestConformanceCompareAndSetOneWinner(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_cas")
		for round := range 3 {
			id := fmt.Sprintf("doc%d", round)
			if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}, {Key: "owner", Value: ""}}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var winners []int
			err := storetest.Concurrently(conformanceN, func(i int) error {
				var res *mongo.UpdateResult
				var err error
				if round == 2 {
					// findOneAndUpdate as the compare-and-set
					err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}},
						bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: fmt.Sprint(i)}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}).Err()
					if errors.Is(err, mongo.ErrNoDocuments) {
						return nil
					}
					if err == nil {
						mu.Lock()
						winners = append(winners, i)
						mu.Unlock()
					}
					return err
				}
				f := bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}}
				if round == 1 {
					f = bson.D{{Key: "version", Value: int64(1)}, {Key: "_id", Value: id}, {Key: "owner", Value: ""}}
				}
				res, err = c.UpdateOne(ctx, f, bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: fmt.Sprint(i)}, {Key: "version", Value: int64(2)}}}})
				if err == nil && res.ModifiedCount == 1 {
					mu.Lock()
					winners = append(winners, i)
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(winners) != 1 {
				t.Fatalf("round %d: %d winners of one compare-and-set, want exactly 1: %v", round, len(winners), winners)
			}
			var got struct{ Owner string }
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.Owner != fmt.Sprint(winners[0]) {
				t.Fatalf("round %d: owner %q, but the winner was %d", round, got.Owner, winners[0])
			}
		}
	})
}

func TestConformanceFindOneAndUpdateDistinctValues(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_seq")
		got := make([]int64, conformanceN)
		// upsert on the first call: the sequence document does not exist yet.
		err := storetest.Concurrently(conformanceN, func(i int) error {
			var d struct{ N int64 }
			err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "seq"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
			got[i] = d.N
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("findOneAndUpdate $inc returned %v, want 1..%d each once", got, conformanceN)
			}
		}
	})
}

func TestConformanceConcurrentUpsertsMakeOneDocument(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_upsert")
		// by _id, and by a field that a unique index covers
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "key", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
			t.Fatal(err)
		}
		err := storetest.Concurrently(conformanceN, func(i int) error {
			if i%2 == 0 {
				_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "k1"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
					options.UpdateOne().SetUpsert(true))
				return err
			}
			_, err := c.UpdateOne(ctx, bson.D{{Key: "key", Value: "k2"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
				options.UpdateOne().SetUpsert(true))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []bson.D{{{Key: "_id", Value: "k1"}}, {{Key: "key", Value: "k2"}}} {
			n, err := c.CountDocuments(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var d struct{ N int64 }
			if err := c.FindOne(ctx, f).Decode(&d); err != nil {
				t.Fatal(err)
			}
			if n != 1 || d.N != conformanceN/2 {
				t.Fatalf("%v: %d documents with n=%d, want 1 with n=%d", f, n, d.N, conformanceN/2)
			}
		}
	})
}

func TestConformancePushAndAddToSetLoseNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_push")
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "list", Value: bson.A{}}, {Key: "set", Value: bson.A{}}}); err != nil {
			t.Fatal(err)
		}
		err := storetest.Concurrently(conformanceN, func(i int) error {
			_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{
				{Key: "$push", Value: bson.D{{Key: "list", Value: int64(i)}}},
				{Key: "$addToSet", Value: bson.D{{Key: "set", Value: int64(i % 10)}}},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			List []int64
			Set  []int64
		}
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		slices.Sort(d.List)
		slices.Sort(d.Set)
		if len(d.List) != conformanceN || len(slices.Compact(slices.Clone(d.List))) != conformanceN {
			t.Errorf("$push: %d elements (%v), want %d distinct", len(d.List), d.List, conformanceN)
		}
		if !slices.Equal(d.Set, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("$addToSet: %v, want 0..9 once each", d.Set)
		}
	})
}

func TestConformanceFindOneAndReplace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := conformanceCtx(t)
		c := s.DB().Collection("conf_replace")
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: int64(0)}}); err != nil {
			t.Fatal(err)
		}
		// Every writer replaces version v with v+1 only if it still holds v: each version is
		// won once, so the final version counts the successful replacements exactly.
		var mu sync.Mutex
		wins := 0
		err := storetest.Concurrently(conformanceN, func(i int) error {
			for range 50 {
				var d struct{ V int64 }
				if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&d); err != nil {
					return err
				}
				err := c.FindOneAndReplace(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: d.V}},
					bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: d.V + 1}}).Err()
				if errors.Is(err, mongo.ErrNoDocuments) {
					continue
				}
				if err != nil {
					return err
				}
				mu.Lock()
				wins++
				mu.Unlock()
				return nil
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ V int64 }
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		if int(d.V) != wins {
			t.Fatalf("version %d after %d successful compare-and-replace, want equal", d.V, wins)
		}
	})
}

// BenchmarkParallelInc measures $inc by _id from many goroutines: on distinct documents (the
// per-document stripes of FerretDB patch 5 let them run side by side) and on one document
// (serialised, as MongoDB serialises writes to one document).
func BenchmarkParallelInc(b *testing.B) {
	ctx := context.Background()
	s := storetest.Open(b, storetest.Backends(b)[0])
	c := s.DB().Collection("bench_inc")
	const docs = 256
	for i := range docs {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("d%03d", i)}, {Key: "n", Value: int64(0)}}); err != nil {
			b.Fatal(err)
		}
	}
	for _, one := range []bool{false, true} {
		name := "distinct"
		if one {
			name = "one"
		}
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(8)
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := "d000"
					if !one {
						id = fmt.Sprintf("d%03d", next.Add(1)%docs)
					}
					if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkParallelWrites measures a write mix from many goroutines across collections, as a
// review submission's writes arrive: inserts into two collections and $inc by _id into a
// third. SQLite admits one writer per database file (FerretDB patch 7 queues them on a Go
// mutex instead of SQLite's sleeping busy handler).
func BenchmarkParallelWrites(b *testing.B) {
	ctx := context.Background()
	s := storetest.Open(b, storetest.Backends(b)[0])
	ins1, ins2, inc := s.DB().Collection("bench_w1"), s.DB().Collection("bench_w2"), s.DB().Collection("bench_w3")
	const docs = 256
	for i := range docs {
		if _, err := inc.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("d%03d", i)}, {Key: "n", Value: int64(0)}}); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []*mongo.Collection{ins1, ins2} {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(16)
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			var err error
			switch n % 3 {
			case 0:
				_, err = ins1.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("w%d", n)}, {Key: "text", Value: "a review text of some length, like the ones workers write"}})
			case 1:
				_, err = ins2.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("k%d", n)}, {Key: "review", Value: n}})
			default:
				_, err = inc.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("d%03d", n%docs)}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}})
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
