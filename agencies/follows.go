package agencies

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// ChangesPerFollow is how many recent changes an account's list shows per followed agency.
const ChangesPerFollow = 5

// MaxFeedEntries bounds an agency's Atom feed of changes.
const MaxFeedEntries = 50

// Follows lets signed-in accounts follow agencies and read the changes of their licence
// status, validity and sanctions (Service.History: the history store plus lapses by date)
// in their account and as an Atom feed per agency.
type Follows struct {
	svc *Service
	w   *store.Watches
}

// NewFollows returns the follows service.
func NewFollows(svc *Service, w *store.Watches) *Follows {
	return &Follows{svc: svc, w: w}
}

// agency reads a live agency; unknown IDs are kawan.ErrNotFound.
func (f *Follows) agency(ctx context.Context, id string) (*kawan.Agency, error) {
	if !kawan.ValidID(id) {
		return nil, fmt.Errorf("agencies: agency %q: %w", id, kawan.ErrNotFound)
	}
	return f.svc.st.Get(ctx, id)
}

// Follow makes userID follow an agency (again: no change); at most store.MaxWatches.
func (f *Follows) Follow(ctx context.Context, userID, agencyID string) error {
	if _, err := f.agency(ctx, agencyID); err != nil {
		return err
	}
	_, err := f.w.Watch(ctx, userID, agencyID, f.svc.now())
	return err
}

// Unfollow stops userID following an agency.
func (f *Follows) Unfollow(ctx context.Context, userID, agencyID string) error {
	if !kawan.ValidID(agencyID) {
		return fmt.Errorf("agencies: agency %q: %w", agencyID, kawan.ErrNotFound)
	}
	return f.w.Unwatch(ctx, userID, agencyID)
}

// Following reports whether userID follows an agency.
func (f *Follows) Following(ctx context.Context, userID, agencyID string) (bool, error) {
	return f.w.Watching(ctx, userID, agencyID)
}

// FollowedAgency is one agency an account follows, with its latest changes.
type FollowedAgency struct {
	AgencyID  string             `json:"agency_id"`
	LegalName string             `json:"legal_name"`
	Standing  kawan.StandingInfo `json:"standing"`
	Fictional bool               `json:"fictional"`
	Since     time.Time          `json:"since"`
	// Changes are the agency's latest changes, newest first (at most ChangesPerFollow);
	// NewChanges how many of them Kawan saw after the account began following.
	Changes    []kawan.AgencyEvent `json:"changes"`
	NewChanges int                 `json:"new_changes"`
}

// Followed lists the agencies userID follows, newest follow first, each with its latest
// changes. An agency deleted since is left out.
func (f *Follows) Followed(ctx context.Context, userID string) ([]FollowedAgency, error) {
	ws, err := f.w.WatchesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := f.svc.now()
	out := make([]FollowedAgency, 0, len(ws))
	for _, w := range ws {
		a, err := f.svc.st.Get(ctx, w.AgencyID)
		if err != nil {
			if errors.Is(err, kawan.ErrNotFound) {
				continue
			}
			return nil, err
		}
		evs, err := f.svc.History(ctx, w.AgencyID, ChangesPerFollow)
		if err != nil {
			return nil, err
		}
		fa := FollowedAgency{AgencyID: a.ID, LegalName: a.LegalName, Standing: a.Standing(now), Fictional: a.Fictional, Since: w.Since, Changes: evs}
		for _, e := range evs {
			if e.RecordedAt.After(w.Since) {
				fa.NewChanges++
			}
		}
		out = append(out, fa)
	}
	return out, nil
}

// Changes returns an agency and its latest changes, newest first (at most MaxFeedEntries),
// for its Atom feed.
func (f *Follows) Changes(ctx context.Context, agencyID string) (*kawan.Agency, []kawan.AgencyEvent, error) {
	a, err := f.agency(ctx, agencyID)
	if err != nil {
		return nil, nil, err
	}
	evs, err := f.svc.History(ctx, agencyID, MaxFeedEntries)
	return a, evs, err
}
