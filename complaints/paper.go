package complaints

import (
	"context"
	"fmt"
	"time"

	"github.com/kawan-labs/kawan"
)

// Paper reviews (package complaints/paper imports them): reviews a partner organisation
// collected on paper or by phone, each linked here to the partner and its own reference.

// PaperRecord links a review to the partner that collected it ("paper_reviews", _id
// "<partner>|<reference>").
type PaperRecord struct {
	ID          string    `json:"-" bson:"_id"`
	PartnerID   string    `json:"partner_id" bson:"partner_id"`
	PartnerName string    `json:"partner_name" bson:"partner_name"`
	Reference   string    `json:"reference" bson:"reference"`
	ReviewID    string    `json:"review_id" bson:"review_id"`
	CollectedOn time.Time `json:"collected_on" bson:"collected_on"`
	ImportedAt  time.Time `json:"imported_at" bson:"imported_at"`
}

// PaperStore keeps the paper records (store.Complaints).
type PaperStore interface {
	PaperRecord(ctx context.Context, id string) (*PaperRecord, error)
	PutPaperRecord(ctx context.Context, r *PaperRecord) error
	PaperRecordsOf(ctx context.Context, reviewIDs []string) ([]PaperRecord, error)
}

// PaperKey is a paper record's _id.
func PaperKey(partnerID, ref string) string { return partnerID + "|" + ref }

// CollectedBy maps the given reviews that a partner collected to the partner's name.
func (s *Service) CollectedBy(ctx context.Context, reviewIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if s.opt.Paper == nil || len(reviewIDs) == 0 {
		return out, nil
	}
	recs, err := s.opt.Paper.PaperRecordsOf(ctx, reviewIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		out[r.ReviewID] = r.PartnerName
	}
	return out, nil
}

// PaperRecordFor returns what a partner's reference became.
func (s *Service) PaperRecordFor(ctx context.Context, partnerID, ref string) (*PaperRecord, error) {
	if s.opt.Paper == nil {
		return nil, fmt.Errorf("complaints: paper reviews are not wired: %w", kawan.ErrNotFound)
	}
	return s.opt.Paper.PaperRecord(ctx, PaperKey(partnerID, ref))
}
