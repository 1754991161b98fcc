package moderation

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/bounded"
	"github.com/kawan-labs/kawan/store"
)

// Representatives gives the client fingerprints (and, if the auth area chooses, hashed
// contact details in the same keyed form) of an agency's approved representatives, for the
// self-review signal. The auth area implements it; without one the signal is off.
type Representatives interface {
	RepresentativeFingerprints(ctx context.Context, agencyID string) ([]string, error)
}

// ScreenerOptions configures a Screener.
type ScreenerOptions struct {
	// Thresholds decide publish / watch / hold from the fraud score (DefaultThresholds if zero).
	Thresholds Thresholds
	// Representatives feeds the self-review signal (nil: the signal is off).
	Representatives Representatives
	Logger          *slog.Logger
}

// Screener is the decision point every new review passes (kawan.Screener), in two steps
// around the review's insert: Assess redacts personal data, runs the abuse filter and the
// fraud signals and decides (publish, publish and watch, hold) from reads only; Record,
// once the review is stored, writes what that implies: the fraud-signal state, the queue
// item, and (from the outbox the review was stored with) the audit entry and transparency
// counters. It depends on no other service.
type Screener struct {
	st    *store.Moderation
	audit *store.AuditLog
	reps  Representatives
	th    Thresholds
	log   *slog.Logger
	out   outbox
	// repFPs caches each agency's representatives' fingerprints for repFPsFor: one agency
	// receives many reviews, and a new representative or device is seen within that time.
	repFPs *bounded.Map[cachedFPs]
}

type cachedFPs struct {
	fps []string
	at  time.Time
}

const repFPsFor = time.Minute

// NewScreener returns the screener.
func NewScreener(st *store.Moderation, audit *store.AuditLog, o ScreenerOptions) *Screener {
	s := &Screener{st: st, audit: audit, reps: o.Representatives, th: o.Thresholds, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.th == (Thresholds{}) {
		s.th = DefaultThresholds
	}
	s.out.s = s
	s.repFPs = bounded.New[cachedFPs](10_000)
	return s
}

// Thresholds returns the configured thresholds.
func (s *Screener) Thresholds() Thresholds { return s.th }

// assessed is what Assess read, for Record.
type assessed struct {
	subject store.FraudSubject
	state   store.FraudState
	// groups are the coordinated groups this review was recognised in, with their
	// earlier members (Record queues them with the group's reason).
	groups []group
}

// group is a coordinated group a signal recognised: its earlier members and the score the
// signal alone gives each of them.
type group struct {
	reason  string
	key     string   // what identifies the group for its signal (the account, the agency and side, …)
	members []string // earlier reviews, not this one
	score   float64
}

// Assess decides on the submitted review r (its Text still the author's text, its ID,
// agency, author and CreatedAt set). It writes nothing. A failure to read the fraud-signal
// state holds the review (fail closed, and visible in the queue) rather than failing.
func (s *Screener) Assess(ctx context.Context, r *kawan.Review) (kawan.Assessment, error) {
	at := r.CreatedAt.UTC()
	public, redacted := Redact(r.Text)
	subj := subject(r, at)
	signals, state, groups, err := s.signals(ctx, r, subj)
	failed := err != nil
	if failed {
		s.log.Warn("moderation: fraud signals unavailable; review held", "review", r.ID, "err", err)
		signals = []kawan.Signal{{Name: "screening_failed", Score: 1, Reason: "the fraud signals could not be computed; check by hand"}}
	}
	score, reasons := Combine(signals)
	v := kawan.Screening{PublicText: public, Redacted: redacted, FraudScore: score, Signals: signals, Status: kawan.ReviewPublished}
	if failed {
		v.Status, reasons = kawan.ReviewHeld, []string{"screening_failed"}
	}
	if abusive, lang := Abusive(r.Text); abusive {
		v.Signals = append(v.Signals, kawan.Signal{Name: "abusive_language", Score: 1, Reason: "contains a listed slur or threat (" + lang + " list)"})
		reasons = append([]string{"abusive_language"}, reasons...)
		v.Status = kawan.ReviewHeld
	}
	queue := ""
	switch {
	case v.Status == kawan.ReviewHeld || score >= s.th.HoldAt:
		v.Status, queue = kawan.ReviewHeld, "held"
		if len(reasons) == 0 {
			reasons = []string{"fraud_score"}
		}
		v.HoldReasons = reasons
	case score >= s.th.WatchAt:
		queue = "watch"
		v.HoldReasons = reasons
	}
	reason, counts := ReasonAutoPublished, map[string]int64{"received": 1}
	if v.Status == kawan.ReviewHeld {
		reason, counts["held_auto"] = ReasonAutoHeld, 1
	} else {
		counts["published_auto"] = 1
	}
	if queue == "watch" {
		counts["watched"] = 1
	}
	ob := &kawan.ModerationOutbox{
		Audit: kawan.AuditEntry{ID: kawan.NewID(), At: at, Action: "review.screen", Subject: "review:" + r.ID,
			From: string(kawan.ReviewSubmitted), To: string(v.Status), Reason: string(reason), FraudScore: &score},
		Counts: counts, Queue: queue, Sig: subj.Sig,
	}
	if queue == "" {
		groups = nil // a group matters once it sends its newest member to a moderator
	}
	var kept []group
	for _, g := range groups {
		// Only groups strong enough to queue a member on their own signal alone.
		if g.score >= s.th.WatchAt && len(g.members) > 0 {
			kept = append(kept, g)
		}
	}
	return kawan.Assessment{Screening: v, Outbox: ob, State: assessed{subject: subj, state: state, groups: kept}}, nil
}

// subject is r as the fraud-signal state knows it (with its text fingerprint).
func subject(r *kawan.Review, at time.Time) store.FraudSubject {
	subj := store.FraudSubject{ReviewID: r.ID, AgencyID: r.AgencyID, AuthorID: r.AuthorID, ClientFP: r.ClientFP, NetFP: r.NetFP, At: at,
		Overall: r.Ratings.Overall, Flat: FlatExtreme(r.Ratings)}
	if sg, n := MinHash(r.Text); n >= MinShingles {
		keys := sg.BandKeys()
		subj.Bands, subj.Sig = keys[:], sg.Int64s()
	}
	return subj
}

// Record writes what the assessment a of the stored review r implies: the fraud-signal
// state and the queue item now, the outbox's audit entry and counters in the next batch
// (then the outbox is removed from the review). Every write is keyed by the review, so
// recording again (a is zero when the sweep recovers a review whose outbox stayed) changes
// nothing that was written.
func (s *Screener) Record(ctx context.Context, r *kawan.Review, a kawan.Assessment) error {
	ctx = context.WithoutCancel(ctx)
	ob := a.Outbox
	if ob == nil {
		ob = r.Moderation.Outbox
	}
	if ob == nil {
		return nil // recorded already
	}
	got, ok := a.State.(assessed)
	if !ok {
		got.subject = subject(r, r.CreatedAt.UTC())
		got.subject.Sig = ob.Sig
		if len(ob.Sig) > 0 {
			if sg, ok := SignatureFrom(ob.Sig); ok {
				keys := sg.BandKeys()
				got.subject.Bands = keys[:]
			}
		} else {
			got.subject.Bands = nil
		}
	}
	if err := s.st.RecordFraudState(ctx, got.subject, got.state); err != nil {
		return err
	}
	if ob.Queue != "" {
		// The strongest group this review was recognised in: it and its earlier members
		// (within the group's window, re-scored with the group's signal) are queued with the
		// group's reason, so a moderator sees the group as one item. A member already in the
		// queue keeps its kind and lease. Only when a group is recognised does this cost a
		// write more (the group's document), and one bulk write for the members it did not list yet.
		var qg *store.QueueGroup
		if len(got.groups) > 0 {
			g := got.groups[0]
			for _, x := range got.groups[1:] {
				if x.score > g.score {
					g = x
				}
			}
			// The signal's members in its order, this review last, each once.
			members := make([]string, 0, len(g.members)+1)
			seen := make(map[string]bool, len(g.members)+1)
			for _, id := range g.members {
				if id != r.ID && !seen[id] {
					seen[id] = true
					members = append(members, id)
				}
			}
			members = append(members, r.ID)
			if len(members) > store.MaxGroupMembers {
				members = members[len(members)-store.MaxGroupMembers:]
			}
			qg = &store.QueueGroup{ID: g.reason + "|" + g.key, Reason: g.reason, Members: members}
			if err := s.st.RecordGroup(ctx, r.AgencyID, *qg, g.score, ob.Audit.At, r.ID); err != nil {
				return err
			}
		}
		if err := s.st.Enqueue(ctx, store.QueueItem{ReviewID: r.ID, AgencyID: r.AgencyID, Kind: ob.Queue, Status: r.Status,
			FraudScore: r.Moderation.FraudScore, Since: ob.Audit.At, Group: qg}); err != nil {
			return err
		}
	}
	s.out.add(r.ID, *ob)
	return nil
}

// Flush writes the outboxes waiting for the next batch now (tests, shutdown).
func (s *Screener) Flush(ctx context.Context) error { return s.out.flush(context.WithoutCancel(ctx)) }

// Run writes waiting outboxes in batches until ctx ends, then once more (a background job).
func (s *Screener) Run(ctx context.Context) {
	t := time.NewTicker(outboxEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Flush(context.Background()); err != nil {
				s.log.Warn("moderation: write screening records at shutdown", "err", err)
			}
			return
		case <-t.C:
		case <-s.out.full:
		}
		if err := s.Flush(ctx); err != nil {
			s.log.Warn("moderation: write screening records; the sweep will retry", "err", err)
		}
	}
}

// outboxEvery is how often waiting outboxes are written; outboxBatch how many make a batch
// written at once. A screening's audit entry and counters are therefore in place within a
// quarter second, in one audit insert, one counter update and one review update per batch.
const (
	outboxEvery = 250 * time.Millisecond
	outboxBatch = 200
)

// outbox collects the outboxes of recorded reviews for the next batch.
type outbox struct {
	s       *Screener
	mu      sync.Mutex
	pending map[string]kawan.ModerationOutbox
	full    chan struct{}
	once    sync.Once
	writing sync.Mutex
}

func (o *outbox) add(reviewID string, ob kawan.ModerationOutbox) {
	o.once.Do(func() { o.full = make(chan struct{}, 1) })
	o.mu.Lock()
	if o.pending == nil {
		o.pending = map[string]kawan.ModerationOutbox{}
	}
	o.pending[reviewID] = ob
	n := len(o.pending)
	o.mu.Unlock()
	if n >= outboxBatch {
		select {
		case o.full <- struct{}{}:
		default:
		}
	}
}

// flush writes the waiting outboxes: the audit entries (each once: its ID is fixed), then
// removes the outboxes from their reviews, then adds the counters when it removed every
// one. Counters are added at most once per review: a crash after the removal, or a batch
// that overlapped the sweep's recovery, loses that batch's counts rather than counting twice.
func (o *outbox) flush(ctx context.Context) error {
	o.writing.Lock()
	defer o.writing.Unlock()
	o.mu.Lock()
	batch := o.pending
	o.pending = nil
	o.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := o.write(ctx, batch)
	if err != nil {
		o.mu.Lock()
		for id, ob := range batch {
			if _, newer := o.pending[id]; !newer {
				if o.pending == nil {
					o.pending = map[string]kawan.ModerationOutbox{}
				}
				o.pending[id] = ob
			}
		}
		o.mu.Unlock()
	}
	return err
}

func (o *outbox) write(ctx context.Context, batch map[string]kawan.ModerationOutbox) error {
	entries := make([]kawan.AuditEntry, 0, len(batch))
	ids := make([]string, 0, len(batch))
	for id, ob := range batch {
		entries = append(entries, ob.Audit)
		ids = append(ids, id)
	}
	if o.s.audit != nil {
		if err := o.s.audit.AppendManyOnce(ctx, entries); err != nil {
			return err
		}
	}
	cleared, err := o.s.st.ClearOutboxes(ctx, ids)
	if err != nil {
		return err
	}
	if cleared != len(ids) {
		// Some were deleted meanwhile or recorded by another process (the sweep, after a
		// crash): which ones is not known, so this batch is not counted (at most once).
		o.s.log.Warn("moderation: screening records written elsewhere; batch not counted", "batch", len(ids), "cleared", cleared)
		return nil
	}
	periods := map[string]map[string]int64{}
	for _, ob := range batch {
		p := ob.Audit.At.UTC().Format("2006-01")
		if periods[p] == nil {
			periods[p] = map[string]int64{}
		}
		for k, v := range ob.Counts {
			periods[p]["c."+k] += v
		}
	}
	for p, inc := range periods {
		if err := o.s.st.IncStats(ctx, p, inc); err != nil {
			o.s.log.Warn("moderation: count transparency stats", "period", p, "err", err)
		}
	}
	return nil
}

// signals reads the fraud-signal state of r (one read, plus the candidates' text
// fingerprints this process has not seen) and returns every signal that fired (score > 0),
// strongest kind first, with the state it read and the groups the group signals recognised.
func (s *Screener) signals(ctx context.Context, r *kawan.Review, subj store.FraudSubject) ([]kawan.Signal, store.FraudState, []group, error) {
	var (
		wg     sync.WaitGroup
		fps    []string
		repErr error
	)
	if (r.ClientFP != "" || r.NetFP != "") && s.reps != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fps, repErr = s.representatives(ctx, r.AgencyID)
		}()
	}
	state, err := s.st.ReadFraudState(ctx, subj)
	if err == nil {
		err = ctx.Err()
	}
	var cands []Candidate
	if err == nil {
		cands, err = s.candidates(ctx, subj, state)
	}
	wg.Wait()
	if err != nil {
		return nil, store.FraudState{}, nil, err
	}
	if repErr != nil {
		return nil, store.FraudState{}, nil, fmt.Errorf("moderation: representative fingerprints: %w", repErr)
	}
	at := subj.At
	w := WindowFromEvents(append(state.Agency, store.AgencyEvent{At: at, Overall: r.Ratings.Overall}), at)
	author := append([]store.AuthorEvent{{At: at, AgencyID: r.AgencyID}}, state.Author...)
	coord, coordMembers := CoordinatedSignal(state.Agency, at, r.Ratings.Overall, FlatExtreme(r.Ratings))
	velo := VelocitySignal(author, at)
	dup := DuplicateSignal(r.AuthorID, r.AgencyID, r.Ratings.Overall, cands)
	out := make([]kawan.Signal, 0, 10)
	for _, x := range []kawan.Signal{
		BurstSignal(w), SwingSignal(w, r.Ratings.Overall), velo, dup, coord,
		NewAccountSignal(r.AuthorSince, at), GenericExtremeSignal(r),
	} {
		if x.Score > 0 {
			out = append(out, x)
		}
	}
	var groups []group
	add := func(x kawan.Signal, key string, members []string) {
		if x.Score > 0 && len(members) > 0 {
			groups = append(groups, group{reason: x.Name, key: key, members: members, score: Weights[x.Name] * x.Score})
		}
	}
	side := "low"
	if r.Ratings.Overall >= 4 {
		side = "high"
	}
	add(coord, r.AgencyID+"|"+side, coordMembers)
	var spree []string
	for _, e := range state.Author {
		if at.Sub(e.At) <= VelocityWindow && e.AgencyID != r.AgencyID && e.ReviewID != "" {
			spree = append(spree, e.ReviewID)
		}
	}
	add(velo, r.AuthorID, spree)
	var copies []string
	for _, c := range cands {
		if c.AuthorID != r.AuthorID && c.Similarity >= duplicateGroupAt {
			copies = append(copies, c.ReviewID)
		}
	}
	if len(copies) > 0 {
		key := r.ID
		for _, c := range copies {
			key = min(key, c)
		}
		add(dup, key, copies)
	}
	reviewsOf := func(entries []store.ClientEntry) []string {
		var ids []string
		for _, x := range entries {
			ids = append(ids, x.ReviewID)
		}
		return ids
	}
	if r.ClientFP != "" {
		if x := SharedFingerprintSignal(r.AuthorID, append(state.FPAccounts, r.AuthorID)); x.Score > 0 {
			out = append(out, x)
			add(x, r.AgencyID+"|"+r.ClientFP, reviewsOf(state.FPReviews))
		}
	}
	if r.NetFP != "" {
		if x := SharedNetworkSignal(r.AuthorID, append(state.NetAccounts, r.AuthorID)); x.Score > 0 {
			out = append(out, x)
			add(x, r.AgencyID+"|"+r.NetFP, reviewsOf(state.NetReviews))
		}
	}
	if s.reps != nil {
		if x := SelfReviewSignal(r.ClientFP, r.NetFP, fps); x.Score > 0 {
			out = append(out, x)
		}
	}
	sortSignals(out)
	return out, state, groups, nil
}

// duplicateGroupAt is the estimated similarity from which an earlier review joins a
// near-duplicate group (DuplicateSignal's score is above 0.5 there).
const duplicateGroupAt = 0.5

// representatives returns the agency's representatives' fingerprints (cached briefly).
func (s *Screener) representatives(ctx context.Context, agencyID string) ([]string, error) {
	if c, ok := s.repFPs.Get(agencyID); ok && time.Since(c.at) < repFPsFor {
		return c.fps, nil
	}
	fps, err := s.reps.RepresentativeFingerprints(ctx, agencyID)
	if err == nil {
		s.repFPs.Put(agencyID, cachedFPs{fps: fps, at: time.Now()})
	}
	return fps, err
}

// candidates returns the earlier reviews sharing LSH buckets with the subject (most shared
// buckets first, at most maxCandidates) with their estimated similarity.
func (s *Screener) candidates(ctx context.Context, subj store.FraudSubject, state store.FraudState) ([]Candidate, error) {
	if len(subj.Sig) == 0 {
		return nil, nil
	}
	hits := map[string]int{}
	var order []store.TextEntry
	for _, b := range subj.Bands {
		for _, x := range state.Buckets[b] {
			if hits[x.ReviewID] == 0 {
				order = append(order, x)
			}
			hits[x.ReviewID]++
		}
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && hits[order[j].ReviewID] > hits[order[j-1].ReviewID]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	if len(order) > maxCandidates {
		order = order[:maxCandidates]
	}
	ids := make([]string, len(order))
	for i, x := range order {
		ids[i] = x.ReviewID
	}
	stored, err := s.st.Signatures(ctx, ids)
	if err != nil {
		return nil, err
	}
	sg, ok := SignatureFrom(subj.Sig)
	if !ok {
		return nil, nil
	}
	var out []Candidate
	for _, x := range order {
		st, found := stored[x.ReviewID]
		if !found {
			continue
		}
		o, ok := SignatureFrom(st.Sig)
		if !ok {
			continue
		}
		out = append(out, Candidate{ReviewID: x.ReviewID, AgencyID: x.AgencyID, AuthorID: x.AuthorID, Overall: st.Overall, Similarity: sg.Similarity(&o)})
	}
	return out, nil
}

// ScreenReply screens an agency's reply: personal data is redacted; a listed slur or threat
// holds it for a moderator; anything else is published.
func ScreenReply(_ context.Context, text string) (kawan.Screening, error) {
	public, redacted := Redact(text)
	v := kawan.Screening{Status: kawan.ReviewPublished, PublicText: public, Redacted: redacted}
	if abusive, _ := Abusive(text); abusive {
		v.Status, v.HoldReasons = kawan.ReviewHeld, []string{"abusive_language"}
	}
	return v, nil
}
