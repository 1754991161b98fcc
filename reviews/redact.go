package reviews

import (
	"context"
	"fmt"

	"github.com/kawan-labs/kawan"
)

// maxRedactStored bounds the reviews one RedactStored pass rewrites.
const maxRedactStored = 100_000

// RedactStored applies redact (moderation.Redact) again to every stored review's public text
// and reply: when redaction learns a new form of personal data (issue 21: numbers split by
// words or spelled out, written-out e-mails, national ID formats), reviews stored before
// must not keep showing it. A changed review is rewritten with a version bump
// (compare-and-set; one that changed meanwhile is left to the next pass) and synced, so the
// index and every public page follow. It returns how many reviews it rewrote.
func (s *Service) RedactStored(ctx context.Context, redact func(string) (string, bool)) (int, error) {
	type change struct {
		id      string
		version int64
		text    string
		reply   *string
	}
	var changes []change
	err := s.st.EachReview(ctx, func(r *kawan.Review) error {
		text, red := redact(r.Text)
		var reply *string
		if r.Reply != nil {
			if t, ok := redact(r.Reply.Text); ok {
				reply, red = &t, true
			}
		}
		if red && len(changes) < maxRedactStored {
			changes = append(changes, change{r.ID, r.Version, text, reply})
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("reviews: redact stored reviews: %w", err)
	}
	n := 0
	for _, c := range changes {
		ok, err := s.st.RedactStoredText(ctx, c.id, c.version, c.text, c.reply)
		if err != nil {
			return n, err
		}
		if ok {
			n++
			s.syncBestEffort(ctx, c.id)
		}
	}
	return n, nil
}
