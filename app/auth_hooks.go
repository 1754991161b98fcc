package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// reviewEraser implements auth.ReviewEraser: one pseudonym per erased account, then every
// changed review is synced (search index, agency aggregates) right away; the reconciler
// would otherwise catch up from the bumped versions.
type reviewEraser struct {
	pd     *store.PersonalData
	syncer kawan.ReviewSyncer
	log    *slog.Logger
}

// EraseAuthor detaches (or removes) userID's reviews and other records.
func (e *reviewEraser) EraseAuthor(ctx context.Context, userID string, remove bool) (int, error) {
	ids, err := e.pd.EraseAuthor(ctx, userID, "erased-"+kawan.NewID(), remove, time.Now().UTC())
	for _, id := range ids {
		if serr := e.syncer.SyncReview(ctx, id); serr != nil {
			e.log.Warn("sync review after erasure (the reconciler will retry)", "review_id", id, "err", serr)
		}
	}
	return len(ids), err
}
