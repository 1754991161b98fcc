package app

import (
	"context"
	"slices"

	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/store"
)

// demoFxHistoryDays is how much FICTIONAL quote history the demo gets, so cost charts have data.
const demoFxHistoryDays = 30

// loadFxHistory writes fictional past quote history for the bundled demo corridors. It does
// nothing when the bundled demo feeds are not in use: history for real feeds is only ever
// what the refresher records.
func loadFxHistory(ctx context.Context, a *App) error {
	if a.FX == nil || (len(a.Config.Feeds) > 0 && !slices.Contains(a.Config.Feeds, fx.DemoSource)) {
		return nil
	}
	n, err := a.FX.SynthesizeDemoHistory(ctx, store.NewFX(a.Store.DB()), demoFxHistoryDays, 1)
	if err != nil {
		return err
	}
	a.Log.Info("fictional remittance history written", "corridor_days", n)
	return nil
}
