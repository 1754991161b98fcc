package app

import (
	"context"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// hookAuth connects the accounts service to the areas wired after it, once New is done:
// moderation's self-review signal asks it for representatives' fingerprints, erasure
// detaches reviews, votes, flags and moderation state (store.PersonalData) and re-syncs
// the affected reviews, and the export includes them.
func (a *App) hookAuth() {
	if a.Auth == nil || a.Store == nil || a.closers == nil {
		return // New failed and closed everything
	}
	pd := store.NewPersonalData(a.Store.DB())
	a.Auth.SetReviewEraser(&reviewEraser{pd: pd, a: a})
	a.Auth.AddExportSource("", func(ctx context.Context, userID string) (any, error) { return pd.Export(ctx, userID) })
	if a.Config.Demo {
		// the demo agency representative needs an agency; other loaders may add one later
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.ensureDemoAccounts(ctx); err != nil {
			a.Log.Warn("demo accounts", "err", err)
		}
		a.announceDemoAccounts()
	}
}

type reviewEraser struct {
	pd *store.PersonalData
	a  *App
}

// EraseAuthor implements auth.ReviewEraser: one pseudonym per erased account, then every
// changed review is synced (search index, agency aggregates) right away; the reconciler
// would otherwise catch up from the bumped versions.
func (e *reviewEraser) EraseAuthor(ctx context.Context, userID string, remove bool) (int, error) {
	ids, err := e.pd.EraseAuthor(ctx, userID, "erased-"+kawan.NewID(), remove, time.Now().UTC())
	if e.a.Reviews != nil {
		for _, id := range ids {
			if serr := e.a.Reviews.SyncReview(ctx, id); serr != nil {
				e.a.Log.Warn("sync review after erasure (the reconciler will retry)", "review_id", id, "err", serr)
			}
		}
	}
	return len(ids), err
}
