package textbot

import (
	"context"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// FollowStore is where text follows are kept (store.TextSessions).
type FollowStore interface {
	AllFollows(ctx context.Context, limit int) ([]store.TextFollow, error)
	MarkSeen(ctx context.Context, followID, prev, seen string) (bool, error)
}

// Notify is what NotifyFollowers needs: the follows, an agency's history (newest first) and,
// per channel that can send, a non-blocking send.
type Notify struct {
	Follows FollowStore
	History func(ctx context.Context, id string, limit int) ([]kawan.AgencyEvent, error)
	Send    map[string]func(to, text string) bool
}

// maxNotifyScan bounds one pass over the follows.
const maxNotifyScan = 10_000

// NotifyFollowers sends each text follower one message about the newest change of the
// agency they follow that they have not been sent (the registry's history: licence status,
// validity, sanctions). The follow is marked first (compare-and-set), so two processes never
// send the same change twice. It returns how many messages were queued.
func (e *Engine) NotifyFollowers(ctx context.Context, n Notify) (int, error) {
	fs, err := n.Follows.AllFollows(ctx, maxNotifyScan)
	if err != nil {
		return 0, err
	}
	hist := map[string][]kawan.AgencyEvent{}
	names := map[string]string{}
	sent := 0
	for _, f := range fs {
		send := n.Send[f.Channel]
		if send == nil || f.Address == "" {
			continue
		}
		evs, ok := hist[f.AgencyID]
		if !ok {
			evs, err = n.History(ctx, f.AgencyID, 5)
			if err != nil {
				continue
			}
			hist[f.AgencyID] = evs
		}
		if len(evs) == 0 || evs[0].ID == f.Seen {
			continue
		}
		if ok, err := n.Follows.MarkSeen(ctx, f.ID, f.Seen, evs[0].ID); err != nil || !ok {
			continue
		}
		name, ok := names[f.AgencyID]
		if !ok {
			if p, err := e.o.Licences.Profile(ctx, f.AgencyID); err == nil {
				name = p.LegalName
			}
			names[f.AgencyID] = name
		}
		if send(f.Address, e.changeText(f.Lang, name, evs[0])) {
			sent++
		}
	}
	return sent, nil
}

func (e *Engine) changeText(lang, name string, ev kawan.AgencyEvent) string {
	if lang == "" {
		lang = "en"
	}
	var body string
	switch ev.Kind {
	case "status", "lapsed":
		body = e.cat.t(lang, "follow.change", "name", name, "status", e.cat.t(lang, "status."+ev.To), "reg", regShort(ev.Regulator),
			"date", dateIn(lang, ev.SeenOn))
	default:
		body = e.cat.t(lang, "follow.changed", "name", name, "summary", ev.Summary)
	}
	return Fit(body, "")
}

// RunNotifier calls NotifyFollowers every interval until ctx is cancelled.
func (e *Engine) RunNotifier(ctx context.Context, n Notify, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if k, err := e.NotifyFollowers(ctx, n); err != nil {
				e.o.Log.Warn("text follow notifications", "err", err)
			} else if k > 0 {
				e.o.Log.Info("text follow notifications queued", "count", k)
			}
		}
	}
}
