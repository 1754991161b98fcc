package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// demoLoader loads one part of the fictional demo data. Each runs once per database,
// recorded in meta as "demo:<name>", so a loader added later still runs on an old data dir.
type demoLoader struct {
	name string
	load func(ctx context.Context, a *App) error
}

// demoLoaders in order; later loaders may rely on earlier ones (reviews need agencies).
func (a *App) demoLoaders() []demoLoader {
	return []demoLoader{
		// ---- demo loaders: keep this marker; one line per loader ----
		{"fx-history", loadFxHistory},
		{"rpw-survey", loadDemoSurvey},
		{"agencies", loadDemoAgencies},
		{"help-directory-sample", demoHelp},
		{"reviews-for-statistics", loadDemoStatsReviews},
		{"accounts", loadDemoAccounts},
		{"reviews", loadDemoReviews},             // after agencies: a no-op without them
		{"complaint-partners", loadDemoPartners}, // after the sample help directory
	}
}

func (a *App) loadDemo(ctx context.Context) error {
	for _, l := range a.demoLoaders() {
		var done struct {
			At time.Time `bson:"at"`
		}
		err := store.Meta(ctx, a.Store.DB(), "demo:"+l.name, &done)
		if err == nil {
			continue
		}
		if !errors.Is(err, kawan.ErrNotFound) {
			return err
		}
		start := time.Now()
		a.Log.Info("loading demo data (fictional)", "part", l.name)
		if err := l.load(ctx, a); err != nil {
			return fmt.Errorf("demo data %s: %w", l.name, err)
		}
		if err := store.SetMeta(ctx, a.Store.DB(), "demo:"+l.name, bson.D{{Key: "at", Value: time.Now().UTC()}}); err != nil {
			return err
		}
		a.Log.Info("demo data loaded", "part", l.name, "took", time.Since(start).Round(time.Millisecond))
	}
	// On every start, not once: the demo agency representative needs an agency, which a
	// loader (or an import) may have added since the accounts were first made.
	if err := a.ensureDemoAccounts(ctx); err != nil {
		a.Log.Warn("demo accounts", "err", err)
	}
	return nil
}
