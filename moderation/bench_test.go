package moderation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// benchTexts returns n distinct review-like texts.
func benchTexts(n int) []string {
	rnd := rand.New(rand.NewPCG(3, 4))
	out := make([]string, n)
	for i := range out {
		out[i] = genuineText(rnd) + fmt.Sprintf(" Ref %d.", i)
	}
	return out
}

// BenchmarkMinHash: the CPU cost of fingerprinting one review text.
func BenchmarkMinHash(b *testing.B) {
	text := benchTexts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		s, _ := moderation.MinHash(text)
		_ = s.BandKeys()
	}
}

// BenchmarkLSHLookupMemory100k: finding near-duplicates of one text among 100 000 stored
// fingerprints with the LSH band index held in memory (the algorithm's cost, no storage).
func BenchmarkLSHLookupMemory100k(b *testing.B) {
	const n = 100_000
	texts := benchTexts(n)
	index := make(map[string][]int32, n*moderation.Bands)
	sigs := make([]moderation.Signature, n)
	for i, t := range texts {
		sigs[i], _ = moderation.MinHash(t)
		for _, k := range sigs[i].BandKeys() {
			index[k] = append(index[k], int32(i))
		}
	}
	probe := texts[n/2] + " Thank you!"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, _ := moderation.MinHash(probe)
		best := 0.0
		for _, k := range s.BandKeys() {
			for _, j := range index[k] {
				if sim := s.Similarity(&sigs[j]); sim > best {
					best = sim
				}
			}
		}
		if best < 0.5 {
			b.Fatalf("copy not found: %v", best)
		}
	}
}

// BenchmarkScreenStore: screening one review end to end (Assess and Record) (all signals, state in the
// embedded FerretDB) against N stored text fingerprints. N defaults to 10 000;
// KAWAN_BENCH_FINGERPRINTS=100000 for the figure in docs/moderation.md.
func BenchmarkScreenStore(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("KAWAN_BENCH_FINGERPRINTS")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(b, moderation.Options{}, "ag1")
	st := store.NewModeration(e.st.DB())
	texts := benchTexts(n)
	ctx := context.Background()
	start := time.Now()
	entries := make([]store.TextEntry, n)
	sigs := make([][]int64, n)
	keys := make([][]string, n)
	for i := range n {
		sg, _ := moderation.MinHash(texts[i])
		k := sg.BandKeys()
		entries[i] = store.TextEntry{ReviewID: fmt.Sprintf("seed%07d", i), AgencyID: fmt.Sprintf("ag%d", i%500), AuthorID: fmt.Sprintf("u%d", i)}
		sigs[i], keys[i] = sg.Int64s(), k[:]
	}
	if err := st.SeedSignatures(ctx, entries, sigs, keys); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d fingerprints in %v", n, time.Since(start))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		r := &kawan.Review{ID: fmt.Sprintf("bench%d", i), AgencyID: "ag1", AuthorID: fmt.Sprintf("bu%d", i), ClientFP: fmt.Sprintf("fp%d", i%7),
			Ratings: kawan.Ratings{Overall: 4, FeesHonesty: 3, ContractMatch: 4, Treatment: 4, Support: 3},
			Text:    texts[(i*7919)%n] + " Edited.", CreatedAt: time.Now().UTC()}
		a, err := e.scr.Assess(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.scr.Record(ctx, r, a); err != nil {
			b.Fatal(err)
		}
	}
}
