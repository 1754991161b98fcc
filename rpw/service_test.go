package rpw_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/rpw/rpwtest"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func read(t *testing.T, cs []rpwtest.Corridor) *rpw.Parsed {
	t.Helper()
	p, err := rpw.ReadFile(writeFixture(t, rpwtest.Rows(cs)), rpw.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Import applies a file wholly, a re-import changes nothing, a file's periods replace those
// periods and keep the others, and the corridor answer is the survey's latest period.
func TestImportIdempotentAndByPeriod(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		repo := store.NewRPW(s.DB())
		svc := rpw.New(rpw.Options{Store: repo})
		if _, err := svc.Corridor(ctx, "SGD", "PHP", ""); !errors.Is(err, kawan.ErrNotFound) {
			t.Fatalf("before any import: %v", err)
		}
		p := read(t, fixture())
		var progress int
		rep, err := svc.Import(ctx, p, rpw.ImportOptions{Fictional: true, Progress: func(d, n int) { progress = d }})
		if err != nil || rep.Created != 4 || rep.Unchanged != 0 || progress != 4 {
			t.Fatalf("import: %+v %v (progress %d)", rep, err, progress)
		}
		got, err := svc.Corridor(ctx, "SGD", "PHP", "")
		if err != nil || got.Period != "2025_3Q" || got.PeriodLabel != "Q3 2025" || len(got.Surveys) != 1 || !got.Fictional ||
			len(got.Periods) != 2 || got.Attribution.Licence != "CC BY 4.0" {
			t.Fatalf("corridor: %+v %v", got, err)
		}
		if a, _ := got.Surveys[0].Amount(rpw.USD200); a.AverageCostPercent != "2.96" || a.SmartCostPercent != "1.40" {
			t.Errorf("amounts %+v", got.Surveys[0].Amounts)
		}
		if old, err := svc.Corridor(ctx, "SGD", "PHP", "2024_4Q"); err != nil || old.Surveys[0].Services[0].USD200.TotalCostPercent != "2.65" {
			t.Errorf("2024_4Q: %+v %v", old, err)
		}
		if _, err := svc.Corridor(ctx, "SGD", "PHP", "2023_1Q"); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("a period not surveyed: %v", err)
		}
		var ve *kawan.ValidationError
		if _, err := svc.Corridor(ctx, "SGD", "PHP", "Q3 2025"); !errors.As(err, &ve) || ve.Fields[0].Field != "period" {
			t.Errorf("a bad period: %v", err)
		}
		idx1, _ := repo.Index(ctx)

		// The same file again: nothing written, the index untouched.
		rep, err = rpw.New(rpw.Options{Store: repo}).Import(ctx, read(t, fixture()), rpw.ImportOptions{Fictional: true})
		if err != nil || rep.Unchanged != 4 || rep.Created+rep.Changed+rep.Removed != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		if idx2, _ := repo.Index(ctx); idx2.Gen != idx1.Gen {
			t.Errorf("re-import wrote a new index %s (was %s)", idx2.Gen, idx1.Gen)
		}

		// A file of 2025_3Q only, with one price changed and two corridors gone: 2025_3Q is
		// replaced, 2024_4Q kept.
		cs := fixture()[:1]
		cs[0].Services[0].Fee200 = 6
		rep, err = svc.Import(ctx, read(t, cs), rpw.ImportOptions{Fictional: true})
		if err != nil || rep.Changed != 1 || rep.Removed != 2 || rep.Created != 0 {
			t.Fatalf("period import: %+v %v", rep, err)
		}
		fresh := rpw.New(rpw.Options{Store: repo})
		got, err = fresh.Corridor(ctx, "SGD", "PHP", "")
		if err != nil || got.Surveys[0].Services[0].USD200.Fee != "6" {
			t.Fatalf("after: %+v %v", got, err)
		}
		if _, err := fresh.Corridor(ctx, "QAR", "NPR", ""); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("QAR-NPR should be gone with its period: %v", err)
		}
		if _, err := fresh.Corridor(ctx, "SGD", "PHP", "2024_4Q"); err != nil {
			t.Errorf("2024_4Q kept: %v", err)
		}
		ids, _ := repo.SurveyIDs(ctx)
		idx, _ := repo.Index(ctx)
		if len(ids) != len(idx.Entries) {
			t.Errorf("%d documents for %d index entries: superseded ones left", len(ids), len(idx.Entries))
		}
	})
}

// Two imports at once: each is applied wholly or not at all (the loser is told), and the
// index only lists documents that exist.
func TestConcurrentImportsNeverMix(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	repo := store.NewRPW(s.DB())
	a, b := fixture(), fixture()
	b[0].Services[1].Fee200 = 25
	files := []*rpw.Parsed{read(t, a), read(t, b)}
	err := storetest.Concurrently(2, func(i int) error {
		_, err := rpw.New(rpw.Options{Store: repo}).Import(ctx, files[i], rpw.ImportOptions{})
		return err
	})
	if err != nil && !errors.Is(err, kawan.ErrConflict) {
		t.Fatal(err)
	}
	idx, _ := repo.Index(ctx)
	ids, _ := repo.SurveyIDs(ctx)
	gens := map[string]bool{}
	for _, e := range idx.Entries {
		if _, ok := ids[e.Doc]; !ok {
			t.Errorf("index lists %s, which does not exist", e.Doc)
		}
		gens[e.Doc[:len("20060102T150405-abcdef12")]] = true
	}
	if len(gens) != 1 && err != nil {
		t.Errorf("one import lost, yet the index mixes %d imports", len(gens))
	}
}
