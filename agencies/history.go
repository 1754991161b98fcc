package agencies

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
)

// History event kinds (kawan.AgencyEvent.Kind).
const (
	EventListed   = "listed"
	EventStatus   = "status"
	EventValidTo  = "valid_to"
	EventSanction = "sanction"
	EventLapsed   = "lapsed"
	EventMerged   = "merged"
	EventSplit    = "split"
)

// seenOn is where and when a change was seen: a regulator's list (regulator set), or an
// admin's edit.
type seenOn struct {
	source, url, regulator string
	day                    time.Time
}

func (o seenOn) phrase(regulator string) string {
	if o.source == "admin" {
		return "recorded by an admin on " + kawan.HumanDate(o.day)
	}
	return fmt.Sprintf("seen on the %s list of %s", regulator, kawan.HumanDate(o.day))
}

// rowSeen is where a row's changes were seen: its list, on the date the list gives (as_of),
// else the day it was read.
func rowSeen(row Row, source string) seenOn {
	day := row.AsOf
	if day.IsZero() {
		day = row.retrieved
	}
	return seenOn{source: source, url: row.SourceURL, regulator: row.Regulator, day: utcDay(day)}
}

// changeEvents lists what changed in the agency's licences (added, status with the
// regulator's words, validity date), sanctions and merges from before to after, as events
// without agency and ID (see importRun.stamp and stampEvents).
func changeEvents(before, after *kawan.Agency, o seenOn) []kawan.AgencyEvent {
	var out []kawan.AgencyEvent
	for i := range after.Licences {
		cur := &after.Licences[i]
		var old *kawan.Licence
		for j := range before.Licences {
			if l := &before.Licences[j]; l.Regulator == cur.Regulator && l.RegistryKey() == cur.RegistryKey() {
				old = l
				break
			}
		}
		base := kawan.AgencyEvent{Regulator: cur.Regulator, Licence: cur.Label(), StatusText: cur.StatusText, Source: o.source, SourceURL: o.url, SeenOn: o.day}
		if base.SourceURL == "" {
			base.SourceURL = cur.SourceURL
		}
		list := o.phrase(cur.Regulator)
		switch {
		case old == nil:
			e := base
			e.Kind, e.To, e.EffectiveOn = EventListed, string(cur.Status), cur.StatusDate
			e.Summary = fmt.Sprintf("licence %s listed as %s%s%s, %s", cur.Label(), statusPhrase(cur), since(cur.StatusDate), until(cur), list)
			out = append(out, e)
		case old.Status != cur.Status || old.StatusText != cur.StatusText:
			e := base
			e.Kind, e.From, e.To, e.EffectiveOn = EventStatus, string(old.Status), string(cur.Status), cur.StatusDate
			if cur.Status == kawan.LicenceExpired && e.EffectiveOn.IsZero() {
				e.EffectiveOn = cur.ValidTo
			}
			on := ""
			if !e.EffectiveOn.IsZero() {
				on = " on " + kawan.HumanDate(e.EffectiveOn)
			}
			e.Summary = fmt.Sprintf("licence %s %s%s (was %s), %s", cur.Label(), changeVerb(cur), on, strings.ReplaceAll(string(old.Status), "_", " "), list)
			out = append(out, e)
		case !old.ValidTo.Equal(cur.ValidTo):
			e := base
			e.Kind, e.EffectiveOn = EventValidTo, cur.ValidTo
			e.From, e.To = dateOrNone(old.ValidTo), dateOrNone(cur.ValidTo)
			e.Summary = fmt.Sprintf("licence %s now valid until %s (was %s), %s", cur.Label(), humanOrNone(cur.ValidTo), humanOrNone(old.ValidTo), list)
			out = append(out, e)
		}
	}
	for _, sn := range after.Sanctions {
		if slices.ContainsFunc(before.Sanctions, func(x kawan.Sanction) bool {
			return x.Kind == sn.Kind && x.Date.Equal(sn.Date) && x.Authority == sn.Authority && x.Licence == sn.Licence
		}) {
			continue
		}
		e := kawan.AgencyEvent{Kind: EventSanction, Regulator: o.regulator, To: string(sn.Kind), EffectiveOn: sn.Date, Source: o.source,
			SourceURL: sn.SourceURL, SeenOn: o.day, Licence: sn.Licence}
		e.Summary = fmt.Sprintf("%s by %s on %s: %s, %s", sn.Kind, sn.Authority, kawan.HumanDate(sn.Date), sn.Summary, o.phrase(o.regulator))
		out = append(out, e)
	}
	for _, m := range after.Merges[min(len(before.Merges), len(after.Merges)):] {
		e := kawan.AgencyEvent{Kind: EventMerged, Regulator: m.Regulator, To: m.Rule, Source: o.source, SourceURL: o.url, SeenOn: o.day}
		e.Summary = fmt.Sprintf("the %s listing %q joined this record (%s), %s", m.Regulator, m.Name, m.Reason, o.phrase(m.Regulator))
		out = append(out, e)
	}
	return out
}

// stampEvents gives events their agency, time recorded and stable IDs.
func stampEvents(agencyID string, now time.Time, events []kawan.AgencyEvent) []kawan.AgencyEvent {
	for i := range events {
		events[i].AgencyID, events[i].RecordedAt = agencyID, now.UTC().Truncate(time.Millisecond)
		events[i].ID = eventID(events[i])
	}
	return events
}

func statusPhrase(l *kawan.Licence) string {
	s := strings.ReplaceAll(string(l.Status), "_", " ")
	if l.StatusText != "" && !strings.EqualFold(l.StatusText, s) {
		s += fmt.Sprintf(" (%q)", l.StatusText)
	}
	return s
}

func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " since " + kawan.HumanDate(t)
}

func until(l *kawan.Licence) string {
	if l.ValidTo.IsZero() || l.Status != kawan.LicenceActive {
		return ""
	}
	return " until " + kawan.HumanDate(l.ValidTo)
}

func dateOrNone(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func humanOrNone(t time.Time) string {
	if t.IsZero() {
		return "no date"
	}
	return kawan.HumanDate(t)
}

// changeVerb says what happened to the licence.
func changeVerb(l *kawan.Licence) string {
	v := map[kawan.LicenceStatus]string{
		kawan.LicenceActive: "became valid", kawan.LicenceExpired: "expired", kawan.LicenceSuspended: "was suspended",
		kawan.LicenceRevoked: "was revoked", kawan.LicenceCancelled: "was cancelled", kawan.LicencePending: "became pending",
		kawan.LicenceDelisted: "was delisted", kawan.LicenceCeased: "ceased operations", kawan.LicenceDeniedRenewal: "was denied renewal",
		kawan.LicenceInactive: "became inactive", kawan.LicenceUnknown: "got a status Kawan does not know",
	}[l.Status]
	if l.StatusText != "" && !strings.EqualFold(l.StatusText, string(l.Status)) {
		v += fmt.Sprintf(" (%q)", l.StatusText)
	}
	return v
}

// eventID is stable for the same change of one agency seen on the same list.
func eventID(e kawan.AgencyEvent) string {
	h := sha256.Sum256([]byte(strings.Join([]string{e.AgencyID, e.Kind, e.Regulator, e.Licence, e.From, e.To,
		e.EffectiveOn.Format(time.DateOnly), e.SeenOn.Format(time.DateOnly), e.Source}, "\x00")))
	return hex.EncodeToString(h[:10])
}

// History returns an agency's status history, newest first (at most limit events): every
// change of licence status, validity date or sanction Kawan saw on a list, with the list and
// the date, and, computed as of now, a licence that lapsed by its date since the last list
// said it was valid ("lapsed"; no import needed).
func (s *Service) History(ctx context.Context, id string, limit int) ([]kawan.AgencyEvent, error) {
	if !kawan.ValidID(id) {
		return nil, fmt.Errorf("agencies: agency %q: %w", id, kawan.ErrNotFound)
	}
	a, err := s.st.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.history.ListAgencyHistory(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var lapsed []kawan.AgencyEvent
	for _, l := range a.Licences {
		if !l.LapsedOn(now) {
			continue
		}
		e := kawan.AgencyEvent{AgencyID: id, Kind: EventLapsed, Regulator: l.Regulator, Licence: l.Label(), From: string(kawan.LicenceActive),
			To: string(kawan.LicenceExpired), StatusText: l.StatusText, EffectiveOn: l.ValidTo, SeenOn: l.ValidTo.AddDate(0, 0, 1),
			Source: "kawan", SourceURL: l.SourceURL, RecordedAt: utcDay(now),
			Summary: fmt.Sprintf("licence %s expired on %s: the %s list of %s gave it as valid until that day, and no newer list says it was renewed",
				l.Label(), kawan.HumanDate(l.ValidTo), l.Regulator, kawan.HumanDate(listDate(l)))}
		e.ID = eventID(e)
		lapsed = append(lapsed, e)
	}
	if len(lapsed) == 0 {
		return evs, nil
	}
	out := append(lapsed, evs...)
	slices.SortStableFunc(out, func(x, y kawan.AgencyEvent) int { return y.SeenOn.Compare(x.SeenOn) })
	return out[:min(len(out), max(limit, 1))], nil
}

// listDate is the date of the list a licence was last read from (its as-of date, else when read).
func listDate(l kawan.Licence) time.Time {
	if !l.AsOf.IsZero() {
		return l.AsOf
	}
	return l.RetrievedAt
}
