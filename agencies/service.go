// Package agencies is the agency registry: agencies with their licences, sanctions and
// blacklistings (each fact with its source and the date Kawan read it), imported from
// regulators' lists, searched through the public read model (search.Index), and looked up
// by licence number ("is this recruiter licensed?").
//
// The agency document in MongoDB is the system of record. Every write bumps its version in
// the same update; Sync copies it to the search index and records indexed_version; the
// reconciler re-syncs any agency whose indexed_version is behind, so a search outage
// delays an update but never loses it.
package agencies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/stripe"
	"github.com/kawan-labs/kawan/ranking"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// Scorer explains an agency's review score from its stored document (reviews.Service).
type Scorer interface {
	Score(ctx context.Context, a store.AgencyRatings) (ranking.Score, error)
}

// Service is the agency registry service.
type Service struct {
	st      *store.Agencies
	history *store.AgencyHistory
	idx     search.Index
	log     *slog.Logger
	now     func() time.Time

	scorer Scorer

	// syncs serialises Sync per agency within this process, so an older version can never
	// overwrite a newer one in the index. Not for database atomicity: single-document
	// updates are atomic on both stores.
	syncs *stripe.Locks
}

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Scorer is the reviews area's explained score (profile and the rating sort); nil
	// leaves profiles without a score.
	Scorer Scorer
}

// New returns the service.
func New(st *store.Agencies, idx search.Index, o Options) *Service {
	s := &Service{st: st, idx: idx, log: o.Logger, now: o.Now, scorer: o.Scorer, syncs: stripe.New(64)}
	if st != nil { // DemoDocs builds documents with no store
		s.history = st.History()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) getScorer() Scorer { return s.scorer }

// Exclusion tells ranking that an agency must never be "top rated" (blacklisted, or a
// licence revoked or cancelled), from its stored document. Install it with
// reviews.Options.Exclude.
func Exclusion(a store.AgencyRatings) (bool, string) {
	if a.Raw == nil {
		return false, ""
	}
	var d struct {
		Licences  []kawan.Licence  `bson:"licences"`
		Sanctions []kawan.Sanction `bson:"sanctions"`
	}
	if err := bson.Unmarshal(a.Raw, &d); err != nil {
		return false, ""
	}
	ag := kawan.Agency{Licences: d.Licences, Sanctions: d.Sanctions}
	return ag.ExcludedFromTopRated()
}

// Doc is the public read-model form of an agency as of now; raw (the stored document) lets
// the scorer read the review aggregates.
func (s *Service) Doc(ctx context.Context, a *kawan.Agency, raw bson.Raw) (search.AgencyDoc, error) {
	st := a.Standing(s.now())
	d := search.AgencyDoc{
		ID: a.ID, Name: a.LegalName, TradeNames: a.TradeNames, Origin: a.Origin, City: a.City,
		Destinations: nonNil(a.Destinations), Sectors: nonNil(a.Sectors), Licences: []search.LicenceRef{},
		LicenceStatuses: nonNil(a.LicenceStatusSummary()), Standing: string(st.Standing), StandingReason: st.Reason,
		Reviews: a.Ratings.Count, Fictional: a.Fictional, UpdatedAt: a.UpdatedAt.UTC(),
	}
	for _, l := range a.Licences {
		d.Licences = append(d.Licences, search.LicenceRef{Regulator: l.Regulator, Number: l.Number, Status: l.Status, ValidTo: l.ValidTo})
	}
	if sc := s.getScorer(); sc != nil && a.Ratings.Count > 0 {
		score, err := sc.Score(ctx, store.AgencyRatings{ID: a.ID, Ratings: a.Ratings, Raw: raw})
		if err != nil {
			return search.AgencyDoc{}, fmt.Errorf("agencies: score %s: %w", a.ID, err)
		}
		d.Rating = score.Value
	}
	return d, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Sync brings the search index in line with the stored agency: indexed when it exists,
// removed when it does not (or was merged into another); then indexed_version is set with a
// conditional update, so a newer write is never marked as indexed.
func (s *Service) Sync(ctx context.Context, id string) error {
	defer s.syncs.Lock(id)()
	for range 5 {
		a, raw, err := s.st.GetRaw(ctx, id)
		if errors.Is(err, kawan.ErrNotFound) {
			return s.idx.DeleteAgency(ctx, id)
		}
		if err != nil {
			return err
		}
		if a.MergedInto != "" {
			err = s.idx.DeleteAgency(ctx, id)
		} else {
			var d search.AgencyDoc
			if d, err = s.Doc(ctx, a, raw); err == nil {
				err = s.idx.IndexAgencies(ctx, d)
			}
		}
		if err != nil {
			return err
		}
		ok, err := s.st.MarkIndexed(ctx, id, a.Version)
		if err != nil || ok {
			return err
		}
		// Changed while we worked (an import, or a review moving the ratings): go again.
	}
	return fmt.Errorf("agencies: sync agency %s: it keeps changing; the reconciler will retry", id)
}

// syncAfterWrite pushes a write to the index at once, best effort: the reconciler catches
// up with anything that fails here.
func (s *Service) syncAfterWrite(ctx context.Context, id string) {
	if err := s.Sync(ctx, id); err != nil {
		s.log.Warn("agencies: index after write failed; the reconciler will retry", "agency", id, "err", err)
	}
}

// ReconcileOptions tunes the background reconciler.
type ReconcileOptions struct {
	// Every is how often every agency is scanned for indexed_version < version (default 30 s;
	// review aggregates bump the version too, so this is how fresh ratings are in search).
	Every time.Duration
}

// Reconcile runs until ctx is cancelled, re-syncing agencies whose index copy is behind.
// Safe in every process at once: Sync is idempotent and marks with a conditional update.
func (s *Service) Reconcile(ctx context.Context, o ReconcileOptions) {
	if o.Every <= 0 {
		o.Every = 30 * time.Second
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	rebuilt := false
	var lapsesChecked time.Time // the day up to which lapses were re-indexed (zero: never in this process)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !rebuilt {
			n, err := s.RebuildIfEmpty(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("agencies: rebuild of an empty index", "err", err)
				continue
			}
			rebuilt = true
			if n > 0 {
				s.log.Info("agencies: the search index was empty; rebuilt it from the database", "agencies", n)
			}
		}
		if day := utcDay(s.now()); day.After(lapsesChecked) {
			if n, err := s.RefreshLapsed(ctx, lapsesChecked); err != nil && ctx.Err() == nil {
				s.log.Warn("agencies: re-indexing lapsed licences", "err", err)
			} else {
				lapsesChecked = day
				if n > 0 {
					s.log.Info("agencies: re-indexed agencies whose licence lapsed by its date", "count", n)
				}
			}
		}
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("agencies: reconcile", "synced", n, "err", err)
		} else if n > 0 {
			s.log.Info("agencies: reconcile re-indexed agencies", "count", n)
		}
	}
}

// RefreshLapsed re-indexes the agencies with an active licence whose validity date passed
// after since (zero: ever) and by now: the profile, the licence check and the history turn
// such a licence "expired" at read, and this brings the search index's standing and facets
// in line the same day, without a new import. The reconciler runs it once a day. It returns
// how many it re-indexed.
func (s *Service) RefreshLapsed(ctx context.Context, since time.Time) (int, error) {
	now := s.now()
	var ids []string
	err := s.st.Each(ctx, func(a *kawan.Agency, _ bson.Raw) error {
		for _, l := range a.Licences {
			if l.LapsedOn(now) && (since.IsZero() || !l.LapsedOn(since)) && a.MergedInto == "" {
				ids = append(ids, a.ID)
				break
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.Sync(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Sweep scans every agency and syncs those behind the index. It returns how many it synced.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n := 0
	for range 1000 {
		ids, err := s.st.Behind(ctx, 1000)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := s.Sync(ctx, id); err != nil {
				return n, err
			}
			n++
		}
		if len(ids) < 1000 {
			break
		}
	}
	return n, nil
}

// RebuildIfEmpty reindexes every agency when the index holds none but the database does
// (a new or wiped index directory, a new Meilisearch, an index rebuilt for a new mapping).
func (s *Service) RebuildIfEmpty(ctx context.Context) (int, error) {
	h, err := s.idx.SearchAgencies(ctx, search.AgencyQuery{Page: 1, PerPage: 1})
	if err != nil || h.Total > 0 {
		return 0, err
	}
	// No count first: FerretDB counts by reading every document, as Reindex then does
	// again; over an empty database Reindex reads nothing and returns 0.
	return s.Reindex(ctx, nil)
}

// Reindex rebuilds the index copy of every agency in batches of 500 (`kawan reindex`),
// calling progress after each batch with an estimated total. It returns how many agencies it
// indexed.
func (s *Service) Reindex(ctx context.Context, progress func(done, total int)) (int, error) {
	// An exact count costs FerretDB v1 a read and decode of every document (as much as the
	// reindex's own read): only a progress bar needs the total, and an estimate will do.
	var total int64
	if progress != nil {
		var err error
		if total, err = s.st.EstimatedCount(ctx); err != nil {
			return 0, err
		}
	}
	n, seen := 0, 0
	var docs []search.AgencyDoc
	versions := map[string]int64{}
	flush := func() error {
		if len(docs) > 0 {
			if err := s.idx.IndexAgencies(ctx, docs...); err != nil {
				return err
			}
		}
		if err := s.st.MarkIndexedBatch(ctx, versions); err != nil {
			return err
		}
		n = seen
		docs, versions = docs[:0], map[string]int64{}
		if progress != nil {
			progress(n, int(max(total, int64(n))))
		}
		return ctx.Err()
	}
	err := s.st.Each(ctx, func(a *kawan.Agency, raw bson.Raw) error {
		if a.MergedInto != "" {
			if err := s.idx.DeleteAgency(ctx, a.ID); err != nil {
				return err
			}
		} else {
			d, err := s.Doc(ctx, a, raw)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		if a.IndexedVersion < a.Version {
			// Only agencies the database does not already record as indexed at this version
			// need their mark written ($max: an update racing with us is never undone).
			versions[a.ID] = a.Version
		}
		seen++
		if seen%500 == 0 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}
