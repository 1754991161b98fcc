package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/store"
)

// reviewEraser implements auth.ReviewEraser: one pseudonym per erased account, then every
// changed review is synced (search index, agency aggregates) right away; the reconciler
// would otherwise catch up from the bumped versions.
type reviewEraser struct {
	pd     *store.PersonalData
	syncer kawan.ReviewSyncer
	log    *slog.Logger
	// complaints: the account's complaint cases are anonymised (closed as withdrawn when
	// open), their outcomes kept as anonymous counts.
	complaints *store.Complaints
}

// EraseAuthor detaches (or removes) userID's reviews and other records.
func (e *reviewEraser) EraseAuthor(ctx context.Context, userID string, remove bool) (int, error) {
	if e.complaints != nil {
		if err := eraseComplaints(ctx, e.complaints, userID); err != nil {
			return 0, err
		}
	}
	ids, err := e.pd.EraseAuthor(ctx, userID, "erased-"+kawan.NewID(), remove, time.Now().UTC())
	for _, id := range ids {
		if serr := e.syncer.SyncReview(ctx, id); serr != nil {
			e.log.Warn("sync review after erasure (the reconciler will retry)", "review_id", id, "err", serr)
		}
	}
	return len(ids), err
}

// eraseComplaints anonymises every complaint case of an erased account (each a
// compare-and-set; a case changed meanwhile is read again).
func eraseComplaints(ctx context.Context, st *store.Complaints, userID string) error {
	for range 50 { // at most complaints.MaxList cases a round; an account has far fewer
		cases, err := st.CasesOfOwner(ctx, userID, complaints.MaxList)
		if err != nil || len(cases) == 0 {
			return err
		}
		for i := range cases {
			c := &cases[i]
			prev := c.Version
			complaints.Anonymise(c, time.Now().UTC())
			c.Version, c.UpdatedAt = prev+1, time.Now().UTC()
			if _, err := st.ReplaceCase(ctx, prev, c); err != nil {
				return err
			}
		}
	}
	return nil
}
