package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/kawan-labs/kawan"
)

// MeiliMinVersion is the oldest Meilisearch whose API has every field Kawan sends (README,
// "Running in production"): meilisearch-go v0.36.3 sends "hybrid": null in every search,
// a field Meilisearch knows from 1.6 (older versions refuse unknown fields). Kawan never
// sends a setting newer than this: in particular not
// typoTolerance, which meilisearch-go v0.36.3 always serialises with disableOnNumbers (a
// Meilisearch 1.15 field that older servers refuse with 400); the typo values Kawan relies on
// are Meilisearch's defaults, and an index where they differ is reset to them.
const MeiliMinVersion = "1.6"

// meiliTaskTimeout bounds how long a write waits for Meilisearch to apply it. Past it the
// write reports ErrUnavailable (the task may still be applied later; the reconciler re-syncs).
const meiliTaskTimeout = 30 * time.Second

// meiliOpenTimeout bounds what open spends checking the index: a slow or absent Meilisearch
// never holds Kawan's start (readiness reports it, the next write or /readyz repairs it).
const meiliOpenTimeout = 5 * time.Second

// Task polling back-off: from meiliPollFirst, doubling up to meiliPollMax.
const (
	meiliPollFirst = 10 * time.Millisecond
	meiliPollMax   = time.Second
)

// meiliIndex is what both Meilisearch indexes share: the client, the index, the settings
// it must have, and the checks that keep it so.
type meiliIndex struct {
	client meilisearch.ServiceManager
	idx    meilisearch.IndexManager
	uid    string
	what   string // "agency index", for messages
	want   *meilisearch.Settings

	mu   sync.Mutex
	sent time.Time // when this process last sent settings to an existing index
}

// meiliResendAfter: settings that still differ after this process sent them (and no update
// is queued) are sent again only this long after, so a difference in how a server version
// echoes a setting never turns every write and readiness check into a settings task.
const meiliResendAfter = 10 * time.Minute

// newMeiliIndex builds the client: a bounded HTTP timeout, the key, and no client retries
// (they re-send a request whose body was already read and report MaxRetriesExceeded even
// when the last try succeeded; Kawan's reconciler retries instead).
func newMeiliIndex(o Options, uid, what string, want *meilisearch.Settings) *meiliIndex {
	opts := []meilisearch.Option{meilisearch.WithCustomClient(&http.Client{Timeout: 10 * time.Second}), meilisearch.DisableRetries()}
	if o.MeiliAPIKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(o.MeiliAPIKey))
	}
	client := meilisearch.New(o.MeiliURL, opts...)
	return &meiliIndex{client: client, idx: client.Index(uid), uid: uid, what: what, want: want}
}

// open checks the index once, briefly; its failure is not an open error (Kawan starts while
// Meilisearch is down or slow, and the write path and /readyz call ensure again).
func (m *meiliIndex) open(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, meiliOpenTimeout)
	defer cancel()
	_ = m.ensure(ctx)
}

// ensure makes the index exist with the wanted settings, without waiting for Meilisearch to
// apply them: settings are compared with GetSettings and sent only when they differ and no
// settings update of this index is already queued (so restarts never pile up settings tasks,
// each of which may re-index everything). There is no explicit index creation: a settings
// update creates a missing index, so two processes starting together both succeed (no
// index_already_exists). Writes are queued after the settings task and so are indexed with
// the settings; ensure runs before every write, so an index deleted under a running Kawan
// comes back with its settings, not bare from a document add.
func (m *meiliIndex) ensure(ctx context.Context) error {
	got, err := m.idx.GetSettingsWithContext(ctx)
	if err != nil {
		if meiliCode(err) != "index_not_found" {
			return meiliErr("read "+m.what+" settings", err)
		}
		got = nil
	}
	var diff []string
	if got != nil {
		if diff = meiliSettingsDiff(m.want, got); len(diff) == 0 {
			return nil
		}
	}
	pending, err := m.client.GetTasksWithContext(ctx, &meilisearch.TasksQuery{
		IndexUIDS: []string{m.uid}, Types: []meilisearch.TaskType{meilisearch.TaskTypeSettingsUpdate},
		Statuses: []meilisearch.TaskStatus{meilisearch.TaskStatusEnqueued, meilisearch.TaskStatusProcessing}, Limit: 1,
	})
	if err != nil {
		return meiliErr("list "+m.what+" tasks", err)
	}
	if len(pending.Results) > 0 {
		return nil // already on its way; the next ensure compares again
	}
	if got != nil {
		m.mu.Lock()
		recent := time.Since(m.sent) < meiliResendAfter
		if !recent {
			m.sent = time.Now()
		}
		m.mu.Unlock()
		if recent {
			return nil
		}
	}
	if got == nil || slices.ContainsFunc(diff, func(s string) bool { return s != "typoTolerance" && s != "faceting" }) {
		if _, err := m.idx.UpdateSettingsWithContext(ctx, m.want); err != nil {
			return meiliErr("configure "+m.what, err)
		}
	}
	if slices.Contains(diff, "typoTolerance") {
		if _, err := m.idx.ResetTypoToleranceWithContext(ctx); err != nil {
			return meiliErr("configure "+m.what, err)
		}
	}
	if slices.Contains(diff, "faceting") {
		if _, err := m.idx.ResetFacetingWithContext(ctx); err != nil {
			return meiliErr("configure "+m.what, err)
		}
	}
	return nil
}

// meiliSettingsDiff names the settings of got that are not as want has them, and
// "typoTolerance" / "faceting" when those differ from Meilisearch's defaults (which Kawan
// relies on: one typo from 5 letters, two from 9; 100 values per facet).
func meiliSettingsDiff(want, got *meilisearch.Settings) []string {
	var out []string
	ordered := func(name string, w, g []string) {
		if w != nil && !slices.Equal(w, g) {
			out = append(out, name)
		}
	}
	set := func(name string, w, g []string) {
		if w != nil && !slices.Equal(sortedCopy(w), sortedCopy(g)) {
			out = append(out, name)
		}
	}
	ordered("rankingRules", want.RankingRules, got.RankingRules)
	ordered("searchableAttributes", want.SearchableAttributes, got.SearchableAttributes)
	set("displayedAttributes", want.DisplayedAttributes, got.DisplayedAttributes)
	set("filterableAttributes", want.FilterableAttributes, got.FilterableAttributes)
	set("sortableAttributes", want.SortableAttributes, got.SortableAttributes)
	if want.Synonyms != nil {
		same := len(want.Synonyms) == len(got.Synonyms)
		for w, syn := range want.Synonyms {
			same = same && slices.Equal(sortedCopy(syn), sortedCopy(got.Synonyms[w]))
		}
		if !same {
			out = append(out, "synonyms")
		}
	}
	if want.Pagination != nil && (got.Pagination == nil || got.Pagination.MaxTotalHits != want.Pagination.MaxTotalHits) {
		out = append(out, "pagination")
	}
	if t := got.TypoTolerance; t == nil || !t.Enabled || t.MinWordSizeForTypos.OneTypo != 5 || t.MinWordSizeForTypos.TwoTypos != 9 ||
		len(t.DisableOnWords) > 0 || len(t.DisableOnAttributes) > 0 {
		out = append(out, "typoTolerance")
	}
	if got.Faceting == nil || got.Faceting.MaxValuesPerFacet != 100 {
		out = append(out, "faceting")
	}
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// wait blocks until a task has finished, at most meiliTaskTimeout, polling with back-off,
// so that a caller who then marks a document as indexed (indexed_version) is right to.
func (m *meiliIndex) wait(ctx context.Context, what string, t *meilisearch.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, meiliTaskTimeout)
	defer cancel()
	delay := meiliPollFirst
	for {
		task, err := m.client.GetTaskWithContext(ctx, t.TaskUID)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("search: %s: task %d not finished: %w: %v", what, t.TaskUID, kawan.ErrUnavailable, ctx.Err())
			}
			return meiliErr(what+": wait for task", err)
		}
		switch task.Status {
		case meilisearch.TaskStatusSucceeded:
			return nil
		case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
			e := task.Error
			if e.Type == "internal" || e.Type == "system" {
				return fmt.Errorf("search: %s: task %d %s: %w: %s (Meilisearch %s)", what, t.TaskUID, task.Status, kawan.ErrUnavailable, e.Message, e.Code)
			}
			return fmt.Errorf("search: %s: task %d %s: %s (Meilisearch %s)", what, t.TaskUID, task.Status, e.Message, e.Code)
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("search: %s: task %d still %s: %w: %v", what, t.TaskUID, task.Status, kawan.ErrUnavailable, ctx.Err())
		case <-timer.C:
		}
		delay = min(2*delay, meiliPollMax)
	}
}

// ping is readiness: the key must be accepted, the index exist with its settings (ensure,
// which also repairs them) and answer a search; /health alone needs no key and no index.
func (m *meiliIndex) ping(ctx context.Context) error {
	if err := m.ensure(ctx); err != nil {
		return err
	}
	one := int64(1)
	if _, err := m.idx.SearchWithContext(ctx, "", &meilisearch.SearchRequest{AttributesToRetrieve: []string{"id"}, HitsPerPage: &one, Page: 1}); err != nil {
		return meiliErr("search "+m.what, err)
	}
	return nil
}

// drop deletes the index and waits for it (tests).
func (m *meiliIndex) drop(ctx context.Context) error {
	task, err := m.client.DeleteIndexWithContext(ctx, m.uid)
	if err != nil {
		return meiliErr("delete "+m.what, err)
	}
	return m.wait(ctx, "delete "+m.what, task)
}

// meiliDocPath is id as a document path segment, or false when id cannot be a Meilisearch
// document id (empty, longer than 511 bytes, or other than a–z, A–Z, 0–9, - and _): such a
// document cannot exist, and an empty id would address the whole index.
func meiliDocPath(id string) (string, bool) {
	if id == "" || len(id) > 511 {
		return "", false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", false
		}
	}
	return url.PathEscape(id), true
}

// meiliQuote makes a Meilisearch filter string literal of v.
func meiliQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// meiliCode is Meilisearch's error code of err ("" when there is none).
func meiliCode(err error) string {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me.MeilisearchApiError.Code
	}
	return ""
}

// meiliErr maps a client error. No answer, a timeout (408), rate limiting (429), a 5xx or a
// missing index (being recreated by ensure) is an outage: ErrUnavailable, so the API answers
// 503, /readyz says so and the write path relies on the reconciler. A refused key (401/403)
// and any other answer are plain errors naming Meilisearch's error code.
func meiliErr(what string, err error) error {
	var me *meilisearch.Error
	if !errors.As(err, &me) || me.StatusCode == 0 {
		return fmt.Errorf("search: %s: %w: %v", what, kawan.ErrUnavailable, err)
	}
	code, msg, st := me.MeilisearchApiError.Code, me.MeilisearchApiError.Message, me.StatusCode
	if code == "" {
		code = "no error code"
	}
	switch {
	case st == http.StatusTooManyRequests:
		return fmt.Errorf("search: %s: rate-limited by Meilisearch (HTTP 429, %s): %w", what, code, kawan.ErrUnavailable)
	case st == http.StatusRequestTimeout || st >= 500 || code == "index_not_found":
		return fmt.Errorf("search: %s: %w: HTTP %d, %s: %s", what, kawan.ErrUnavailable, st, code, msg)
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return fmt.Errorf("search: %s: Meilisearch refused the API key (HTTP %d, %s: %s): check MEILI_API_KEY and its actions (README, Running in production)", what, st, code, msg)
	}
	return fmt.Errorf("search: %s: %s (Meilisearch %s, HTTP %d)", what, msg, code, st)
}

// deleteDoc removes one document by id and waits for the task. An id that cannot be in the
// index sends nothing ("" would address every document).
func (m *meiliIndex) deleteDoc(ctx context.Context, what, id string) error {
	path, ok := meiliDocPath(id)
	if !ok {
		return nil
	}
	if err := m.ensure(ctx); err != nil {
		return err
	}
	task, err := m.idx.DeleteDocumentWithContext(ctx, path, nil)
	if err != nil {
		return meiliErr(what, err)
	}
	return m.wait(ctx, what, task)
}
