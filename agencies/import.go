package agencies

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// ImportOptions are the choices of one import run.
type ImportOptions struct {
	ParseOptions
	// DryRun reports what would change and writes nothing.
	DryRun bool
	// Fictional marks every agency the run creates as demo data.
	Fictional bool
	// Progress, when set, is called as rows are applied (done of total).
	Progress func(done, total int)
	// Regulator is the regulator code of every row for a profile that has none (generic):
	// the list's regulator column may then be left out.
	Regulator string
}

// Change is one agency the import adds or changes.
type Change struct {
	Line     int      `json:"line"`
	AgencyID string   `json:"agency_id"`
	Action   string   `json:"action"` // "create" or "update"
	Fields   []string `json:"fields,omitempty"`
}

// ImportReport is what an import did (or, in a dry run, would do).
type ImportReport struct {
	Profile   string     `json:"profile"`
	DryRun    bool       `json:"dry_run"`
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Rejected  int        `json:"rejected"`
	Errors    []RowError `json:"errors"`
	Changes   []Change   `json:"changes"`
	// Missing lists licences from this regulator on record in Kawan that a full list no
	// longer contains (reported, never changed: a list may be partial or late).
	Missing []string `json:"missing,omitempty"`
	// UnknownStatuses counts rows whose status word the profile does not know, by the word:
	// they imported as "unknown — check with the regulator".
	UnknownStatuses map[string]int `json:"unknown_statuses,omitempty"`
	// Notes are row-level remarks that rejected nothing (one agency listed twice).
	Notes []RowError `json:"notes,omitempty"`
	// Warnings are file-level remarks (a partial list, every row of one status).
	Warnings []string `json:"warnings,omitempty"`
	// Events is how many status-history events the import recorded.
	Events int   `json:"events"`
	TookMS int64 `json:"took_ms"`
}

// maxReported bounds the changes, errors and missing licences a report lists.
const maxReported = 1000

// Summary is the report's last line, for people.
func (r *ImportReport) Summary() string {
	verb := "imported"
	if r.DryRun {
		verb = "dry run (nothing written)"
	}
	s := fmt.Sprintf("%s %s: %d rows: %d created, %d updated, %d unchanged, %d rejected", r.Profile, verb, r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected)
	if len(r.Missing) > 0 {
		s += fmt.Sprintf("; %d licences on record are not on this list", len(r.Missing))
	}
	if n := r.unknownRows(); n > 0 {
		s += fmt.Sprintf("; %d rows with a status word the profile does not know (imported as unknown — check with the regulator): %s",
			n, strings.Join(slices.Sorted(maps.Keys(r.UnknownStatuses)), ", "))
	}
	return s
}

func (r *ImportReport) unknownRows() int {
	n := 0
	for _, c := range r.UnknownStatuses {
		n += c
	}
	return n
}

// Import reads a regulator's list with the named profile and upserts its rows into the
// registry, keyed by (regulator, licence number); an agency not found by licence is matched
// by its normalised name within its origin (kawan.NormalizeName), else created. Every fact
// carries the list's source URL and opts.RetrievedAt. Importing the same list again
// changes nothing. Review aggregates are never touched. Bad rows are reported with their
// line and reason while good rows import; a file-level problem imports nothing.
func (s *Service) Import(ctx context.Context, profile string, data []byte, opts ImportOptions) (*ImportReport, error) {
	start := time.Now()
	p, err := profileFor(profile, opts.Regulator)
	if err != nil {
		return nil, err
	}
	if opts.RetrievedAt.IsZero() {
		opts.RetrievedAt = s.now()
	}
	opts.RetrievedAt = utcDay(opts.RetrievedAt)
	if opts.Now.IsZero() {
		opts.Now = s.now()
	}
	parsed, err := ParseList(p, data, opts.ParseOptions)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{Profile: p.Name, DryRun: opts.DryRun, Rows: len(parsed.Rows) + len(parsed.Rejected),
		Errors: []RowError{}, Changes: []Change{}, Notes: parsed.Notes, Warnings: parsed.Warnings}
	rejectedLines := map[int]bool{}
	for _, e := range parsed.Rejected {
		if !rejectedLines[e.Line] {
			rep.reject(e)
		} else if len(rep.Errors) < maxReported {
			rep.Errors = append(rep.Errors, e)
		}
		rejectedLines[e.Line] = true
	}
	rep.Rows = len(parsed.Rows) + len(rejectedLines)
	for _, row := range parsed.Rows {
		if row.UnknownStatus {
			if rep.UnknownStatuses == nil {
				rep.UnknownStatuses = map[string]int{}
			}
			rep.UnknownStatuses[trunc(row.StatusText)]++
		}
	}
	run := &importRun{s: s, p: p, opts: opts, rep: rep, byKey: map[string]*target{}, seenLicences: map[string]bool{}}
	// Resolve every row to the agency it belongs to first, then write each agency once with
	// all its rows applied: two rows about one agency (two licences, two spellings) then never
	// make a re-import flip fields back and forth.
	for _, row := range parsed.Rows {
		if err := run.resolve(ctx, row); err != nil {
			return rep, fmt.Errorf("agencies: import line %d: %w", row.Line, err)
		}
	}
	done := 0
	for _, t := range run.targets {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := run.write(ctx, t); err != nil {
			return rep, fmt.Errorf("agencies: import line %d: %w", t.rows[0].Line, err)
		}
		done += len(t.rows)
		if opts.Progress != nil {
			opts.Progress(done, len(parsed.Rows))
		}
	}
	slices.SortFunc(rep.Errors, func(a, b RowError) int { return a.Line - b.Line })
	slices.SortFunc(rep.Changes, func(a, b Change) int { return a.Line - b.Line })
	rep.Events = len(run.events)
	if !opts.DryRun {
		if err := s.history.Append(ctx, run.events...); err != nil {
			return rep, fmt.Errorf("agencies: import: recording status history: %w", err)
		}
		if err := s.syncKnown(ctx, run.touched, run.created); err != nil {
			s.log.Warn("agencies: indexing imported agencies failed; the reconciler will retry", "err", err)
		}
		rec := store.ImportRecord{Profile: p.Name, Regulator: p.Regulator, SourceURL: p.SourceURL, RetrievedAt: opts.RetrievedAt,
			AsOf: run.asOf, Rows: rep.Rows, Agencies: len(run.targets), ImportedAt: s.now().UTC().Truncate(time.Millisecond)}
		if err := s.st.RecordImport(ctx, rec); err != nil {
			return rep, err
		}
	}
	if p.FullList && !parsed.Partial {
		missing, err := run.missing(ctx)
		if err != nil {
			return rep, err
		}
		rep.Missing = missing
	}
	rep.TookMS = time.Since(start).Milliseconds()
	return rep, nil
}

func (r *ImportReport) reject(e RowError) {
	r.Rejected++
	if len(r.Errors) < maxReported {
		r.Errors = append(r.Errors, e)
	}
}

func (r *ImportReport) change(c Change) {
	if c.Action == "create" {
		r.Created++
	} else {
		r.Updated++
	}
	if len(r.Changes) < maxReported {
		r.Changes = append(r.Changes, c)
	}
}

type importRun struct {
	s            *Service
	p            *ImportProfile
	opts         ImportOptions
	rep          *ImportReport
	targets      []*target
	byKey        map[string]*target // licence key, name key or "id|"+ID → target
	touched      []string
	seenLicences map[string]bool
	events       []kawan.AgencyEvent
	asOf         time.Time
	dryIDs       map[string]bool
	created      map[string]*kawan.Agency // inserted by this run, by ID
}

// target is one agency an import writes: an existing one (id, with its stored licences and
// address) or a new one, with its rows and the rows that joined it by name.
type target struct {
	id      string
	stored  []kawan.Licence
	address string
	rows    []Row
	merges  map[int]kawan.MergeNote // by row line
	// read is the agency as resolve read it: a re-import that changes nothing is decided
	// on it without reading the agency again.
	read *kawan.Agency
}

// resolve finds the agency a row belongs to: the holder of its key (licence number, or
// name and classification on a list without numbers), else the agency with its normalised
// name in its origin (stored, or new earlier in this file) if the two can be one agency
// (compatible), else a new agency.
func (r *importRun) resolve(ctx context.Context, row Row) error {
	lk := store.RegistryKey(row.Regulator, row.key())
	nk := store.NameKey(row.Origin, kawan.NormalizeName(row.Name))
	r.seenLicences[lk] = true
	if row.AsOf.After(r.asOf) {
		r.asOf = row.AsOf
	}
	t := r.byKey[lk]
	if t == nil {
		a, _, err := r.s.lookupAgency(ctx, lk)
		if err != nil {
			return err
		}
		if a != nil {
			t = r.existing(a)
		} else {
			cand := r.byKey[nk]
			if cand == nil {
				if a, _, err = r.s.lookupAgency(ctx, nk); err != nil {
					return err
				}
				if a != nil {
					cand = r.existing(a)
				}
			}
			if cand != nil {
				if rule, reason, ok := cand.compatible(row); ok {
					t = cand
					if cand.id != "" || len(cand.rows) > 0 {
						if t.merges == nil {
							t.merges = map[int]kawan.MergeNote{}
						}
						t.merges[row.Line] = kawan.MergeNote{Regulator: row.Regulator, Key: row.key(), Number: row.Licence, Name: row.Name,
							Address: row.Address, Rule: rule, Reason: reason, Source: r.p.Name, At: r.opts.RetrievedAt}
					}
				}
			}
			if t == nil {
				t = &target{}
				r.targets = append(r.targets, t)
			}
		}
	}
	r.byKey[lk] = t
	if _, ok := r.byKey[nk]; !ok {
		r.byKey[nk] = t
	}
	t.rows = append(t.rows, row)
	return nil
}

// existing returns the target of stored agency a (one per agency in a run).
func (r *importRun) existing(a *kawan.Agency) *target {
	if t := r.byKey["id|"+a.ID]; t != nil {
		return t
	}
	t := &target{id: a.ID, stored: a.Licences, address: a.Address, read: a}
	r.targets = append(r.targets, t)
	r.byKey["id|"+a.ID] = t
	return t
}

// compatible reports whether row (found by its name only) can belong to the agency t, and
// by which rule. Never one agency: another licence of the same regulator under a different
// number (two agencies called "Gulf Associate" with RL 0923 and RL 0251), or on a list
// without numbers, another classification at another address.
func (t *target) compatible(row Row) (rule, reason string, ok bool) {
	lics := slices.Clone(t.stored)
	addr := t.address
	for _, o := range t.rows {
		lics = append(lics, kawan.Licence{Regulator: o.Regulator, Number: o.Licence, Key: o.Key})
		if o.Address != "" {
			addr = o.Address
		}
	}
	for _, l := range lics {
		if l.Regulator != row.Regulator || l.RegistryKey() == row.key() {
			continue
		}
		switch {
		case row.Key == "" && l.Key == "":
			return "", "", false // two licence numbers: two agencies
		case row.Key == "" || l.Key == "":
			continue // a numbered licence and a listing without numbers: the name decides
		}
		if row.Address == "" || kawan.NormalizeName(row.Address) != kawan.NormalizeName(addr) {
			return "", "", false
		}
		return kawan.MergeSameNameAddress, fmt.Sprintf("the %s list has no licence numbers; %q (%s) has the same name and address (%q) as this agency's other listing",
			row.Regulator, row.Name, row.Classification, row.Address), true
	}
	return kawan.MergeSameNameOrigin, fmt.Sprintf("no agency holds %s %s; %q has the same normalised name (%q) in %s as this agency",
		row.Regulator, rowLabel(row), row.Name, kawan.NormalizeName(row.Name), row.Origin), true
}

func rowLabel(row Row) string {
	if row.Licence != "" {
		return "licence " + row.Licence
	}
	return "listing " + row.Classification
}

func (r *importRun) source() kawan.Source {
	return kawan.Source{Name: r.p.Name, URL: r.p.SourceURL, RetrievedAt: r.opts.RetrievedAt}
}

// fold applies rows to a in order; a row that would make the agency invalid is rejected and
// undone. It returns the lines that changed something, those that were rejected, and the
// status-history events of the changes (their AgencyID and ID are filled in by stamp).
func (r *importRun) fold(a *kawan.Agency, t *target) (changed []int, rejected []RowError, events []kawan.AgencyEvent) {
	for _, row := range t.rows {
		before := cloneAgency(a)
		mergeRow(a, row, r.opts.RetrievedAt, r.source())
		if note, ok := t.merges[row.Line]; ok && !slices.ContainsFunc(a.Merges, func(m kawan.MergeNote) bool {
			return m.Regulator == note.Regulator && m.Key == note.Key
		}) {
			a.Merges = append(a.Merges, note)
		}
		if err := validate(a); err != nil {
			*a = *before
			rejected = append(rejected, RowError{Line: row.Line, Reason: err.Error()})
			continue
		}
		normalise(a)
		if len(diffFields(before, a)) > 0 {
			changed = append(changed, row.Line)
			events = append(events, changeEvents(before, a, rowSeen(row, r.p.Name))...)
		}
	}
	return changed, rejected, events
}

// dryID is the ID a dry run's new agency would get (the first free slug).
func (r *importRun) dryID(ctx context.Context, a *kawan.Agency) string {
	base := kawan.Slug(a.LegalName, a.Origin)
	if r.dryIDs == nil {
		r.dryIDs = map[string]bool{}
	}
	for n := 1; n <= 50; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		if r.dryIDs[id] {
			continue
		}
		if _, err := r.s.st.Get(ctx, id); err == nil {
			continue
		}
		r.dryIDs[id] = true
		return id
	}
	return base
}

// stamp gives events their agency and stable IDs and keeps them for the run.
func (r *importRun) stamp(agencyID string, events []kawan.AgencyEvent) {
	r.events = append(r.events, stampEvents(agencyID, r.s.now(), events)...)
}

// write applies a target's rows and stores the result once (nothing in a dry run). Rows of
// one agency apply in the order of their status dates (undated first): on a list without
// numbers, "… INC" expired and "… INC." provisional since then end as the provisional
// licence with the expiry in its history.
func (r *importRun) write(ctx context.Context, t *target) error {
	slices.SortStableFunc(t.rows, func(a, b Row) int { return a.StatusDate.Compare(b.StatusDate) })
	if t.id == "" {
		first := t.rows[0]
		a := &kawan.Agency{LegalName: first.Name, Origin: first.Origin, Fictional: r.opts.Fictional}
		changed, rejected, events := r.fold(a, t)
		for _, e := range rejected {
			r.rep.reject(e)
		}
		if len(changed) == 0 {
			return nil
		}
		if !r.opts.DryRun {
			if err := r.s.insert(ctx, a, true); err != nil {
				if errors.Is(err, kawan.ErrConflict) {
					for _, l := range changed {
						r.rep.reject(RowError{Line: l, Reason: err.Error()})
					}
					return nil
				}
				return err
			}
			r.touched = append(r.touched, a.ID)
			if r.created == nil {
				r.created = map[string]*kawan.Agency{}
			}
			r.created[a.ID] = a
		} else {
			a.ID = r.dryID(ctx, a)
		}
		r.stamp(a.ID, events)
		r.rep.change(Change{Line: changed[0], AgencyID: a.ID, Action: "create"})
		for _, l := range changed[1:] {
			r.rep.change(Change{Line: l, AgencyID: a.ID, Action: "update"})
		}
		r.rep.Unchanged += len(t.rows) - len(changed) - len(rejected)
		return nil
	}
	if t.read != nil {
		// Nothing to write when the rows leave the agency as it was read (the re-import of
		// an unchanged list); apply reads it again and compares-and-sets when they do not.
		probe := cloneAgency(t.read)
		_, rejected, _ := r.fold(probe, t)
		if len(diffFields(t.read, probe)) == 0 {
			for _, e := range rejected {
				r.rep.reject(e)
			}
			r.rep.Unchanged += len(t.rows) - len(rejected)
			return nil
		}
	}
	var changed []int
	var rejected []RowError
	var fields []string
	var events []kawan.AgencyEvent
	mutate := func(cur *kawan.Agency) (bool, error) {
		before := cloneAgency(cur)
		prevKeys := keysOf(cur)
		changed, rejected, events = r.fold(cur, t)
		fields = diffFields(before, cur)
		if len(fields) == 0 {
			return false, nil
		}
		if r.opts.DryRun {
			return false, nil
		}
		return true, r.s.claimKeys(ctx, cur, prevKeys, true)
	}
	var err error
	if r.opts.DryRun {
		var cur *kawan.Agency
		if cur, err = r.s.st.Get(ctx, t.id); err == nil {
			_, err = mutate(cur)
		}
	} else {
		_, _, err = r.s.apply(ctx, t.id, mutate)
	}
	if errors.Is(err, kawan.ErrConflict) {
		for _, row := range t.rows {
			r.rep.reject(RowError{Line: row.Line, Reason: err.Error()})
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range rejected {
		r.rep.reject(e)
	}
	if len(fields) == 0 {
		// Whatever single rows did, the agency ends as it was: every row is unchanged.
		r.rep.Unchanged += len(t.rows) - len(rejected)
		return nil
	}
	if !r.opts.DryRun {
		r.touched = append(r.touched, t.id)
	}
	r.stamp(t.id, events)
	for i, l := range changed {
		c := Change{Line: l, AgencyID: t.id, Action: "update"}
		if i == 0 {
			c.Fields = fields
		}
		r.rep.change(c)
	}
	r.rep.Unchanged += len(t.rows) - len(changed) - len(rejected)
	return nil
}

// mergeRow folds one row of a list into an agency: the licence (regulator + its key) is
// added or its status, dates and source replaced; the list's address and contact replace
// ours when it gives them; destinations, sectors and trade names are added; a sanction the
// list implies is added once; the list is recorded as a source. The retrieval date moves only
// when a fact changes or the list is newer, so re-importing the same list changes nothing.
func mergeRow(a *kawan.Agency, row Row, retrieved time.Time, src kawan.Source) {
	if a.LegalName == "" {
		a.LegalName = row.Name
	}
	if row.Address != "" {
		a.Address = row.Address
	}
	if row.City != "" {
		a.City = row.City
	}
	if row.Contact.Phone != "" {
		a.Contact.Phone, a.Contact.Phones = row.Contact.Phone, row.Contact.Phones
	}
	if row.Contact.Email != "" {
		a.Contact.Email, a.Contact.Emails = row.Contact.Email, row.Contact.Emails
	}
	if row.Contact.Website != "" {
		a.Contact.Website = row.Contact.Website
	}
	for _, d := range row.Destinations {
		a.Destinations = appendUnique(a.Destinations, d)
	}
	for _, s := range row.Sectors {
		a.Sectors = appendUnique(a.Sectors, s)
	}
	for _, t := range row.TradeNames {
		if kawan.NormalizeName(t) != kawan.NormalizeName(a.LegalName) {
			a.TradeNames = appendUnique(a.TradeNames, t)
		}
	}
	if kawan.NormalizeName(row.Name) != kawan.NormalizeName(a.LegalName) {
		a.TradeNames = appendUnique(a.TradeNames, row.Name)
	}
	lic := kawan.Licence{Regulator: row.Regulator, Number: row.Licence, Key: row.Key, Status: row.Status, StatusText: row.StatusText,
		Classification: row.Classification, ValidFrom: utcDay(row.ValidFrom), ValidTo: utcDay(row.ValidTo), StatusDate: utcDay(row.StatusDate),
		SourceURL: row.SourceURL, RetrievedAt: retrieved, AsOf: utcDay(row.AsOf)}
	key := row.key()
	found := false
	for i := range a.Licences {
		l := &a.Licences[i]
		if l.Regulator != row.Regulator || l.RegistryKey() != key {
			continue
		}
		found = true
		old := *l
		if row.KeepStatus {
			lic.Status, lic.StatusText, lic.StatusDate = old.Status, old.StatusText, old.StatusDate
		}
		// A list that does not give a date keeps the one we have.
		if lic.ValidFrom.IsZero() {
			lic.ValidFrom = old.ValidFrom
		}
		if lic.ValidTo.IsZero() && lic.Status == old.Status {
			lic.ValidTo = old.ValidTo
		}
		if lic.StatusDate.IsZero() && lic.Status == old.Status {
			lic.StatusDate = old.StatusDate
		}
		if lic.Classification == "" {
			lic.Classification = old.Classification
		}
		if lic.AsOf.IsZero() {
			lic.AsOf = old.AsOf
		}
		if old.Number != "" {
			lic.Number = old.Number
		}
		cmp := lic
		cmp.RetrievedAt = old.RetrievedAt
		if cmp == old && !retrieved.After(old.RetrievedAt) {
			break // same facts, not a newer list: nothing changes
		}
		*l = lic
		break
	}
	if !found {
		if row.KeepStatus {
			lic.StatusText = "not on this list (a sanctions list): check the regulator's list of licensed agencies"
		}
		a.Licences = append(a.Licences, lic)
	}
	if row.Sanction != nil {
		sn := *row.Sanction
		sn.Date = utcDay(sn.Date)
		dup := slices.ContainsFunc(a.Sanctions, func(x kawan.Sanction) bool {
			return x.Kind == sn.Kind && x.Authority == sn.Authority && kawan.LicenceNumberKey(row.Regulator, x.Licence) == kawan.LicenceNumberKey(row.Regulator, sn.Licence) &&
				(x.Date.Equal(sn.Date) || row.Key != "" && x.Kind == kawan.SanctionBlacklist)
		})
		if !dup {
			a.Sanctions = append(a.Sanctions, sn)
		}
	}
	i := slices.IndexFunc(a.Sources, func(x kawan.Source) bool { return x.Name == src.Name && x.URL == src.URL })
	switch {
	case i < 0:
		a.Sources = append(a.Sources, src)
	case src.RetrievedAt.After(a.Sources[i].RetrievedAt):
		a.Sources[i].RetrievedAt = src.RetrievedAt
	}
}

func cloneAgency(a *kawan.Agency) *kawan.Agency {
	c := *a
	c.TradeNames = slices.Clone(a.TradeNames)
	c.Languages = slices.Clone(a.Languages)
	c.Licences = slices.Clone(a.Licences)
	c.Sanctions = slices.Clone(a.Sanctions)
	c.Destinations = slices.Clone(a.Destinations)
	c.Sectors = slices.Clone(a.Sectors)
	c.Sources = slices.Clone(a.Sources)
	c.Merges = slices.Clone(a.Merges)
	c.Contact.Phones = slices.Clone(a.Contact.Phones)
	c.Contact.Emails = slices.Clone(a.Contact.Emails)
	return &c
}

// diffFields names the registry fields that differ between two versions of an agency.
func diffFields(a, b *kawan.Agency) []string {
	var out []string
	eq := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, name)
		}
	}
	empty := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	eq("legal_name", a.LegalName, b.LegalName)
	eq("trade_names", empty(a.TradeNames), empty(b.TradeNames))
	eq("address", a.Address, b.Address)
	eq("city", a.City, b.City)
	eq("contact", a.Contact, b.Contact)
	eq("destinations", empty(a.Destinations), empty(b.Destinations))
	eq("sectors", empty(a.Sectors), empty(b.Sectors))
	if len(a.Licences) != len(b.Licences) || (len(a.Licences) > 0 && !licencesEqual(a.Licences, b.Licences)) {
		out = append(out, "licences")
	}
	if len(a.Sanctions) != len(b.Sanctions) || (len(a.Sanctions) > 0 && !reflect.DeepEqual(a.Sanctions, b.Sanctions)) {
		out = append(out, "sanctions")
	}
	if len(a.Sources) != len(b.Sources) || (len(a.Sources) > 0 && !reflect.DeepEqual(a.Sources, b.Sources)) {
		out = append(out, "sources")
	}
	if len(a.Merges) != len(b.Merges) {
		out = append(out, "merges")
	}
	return out
}

func licencesEqual(a, b []kawan.Licence) bool {
	for i := range a {
		x, y := a[i], b[i]
		if x.Regulator != y.Regulator || x.Number != y.Number || x.Status != y.Status || !x.ValidFrom.Equal(y.ValidFrom) ||
			!x.ValidTo.Equal(y.ValidTo) || !x.StatusDate.Equal(y.StatusDate) || x.SourceURL != y.SourceURL || !x.RetrievedAt.Equal(y.RetrievedAt) ||
			x.Key != y.Key || x.StatusText != y.StatusText || x.Classification != y.Classification || !x.AsOf.Equal(y.AsOf) {
			return false
		}
	}
	return true
}

// missing lists licences of the profile's regulator on record whose key this run never saw.
func (r *importRun) missing(ctx context.Context) ([]string, error) {
	prefix := "lic|" + strings.ToUpper(r.p.Regulator) + "|"
	if r.p.NoNumbers {
		prefix += "n:" // a list without numbers says nothing about numbered licences, and back
	}
	keys, err := r.s.st.KeysWithPrefix(ctx, prefix, 200000)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		if !r.p.NoNumbers && strings.HasPrefix(k, prefix+"n:") {
			continue
		}
		if !r.seenLicences[k] && len(out) < maxReported {
			out = append(out, strings.TrimPrefix(k, "lic|"))
		}
	}
	return out, nil
}

// syncMany indexes the given agencies in batches (an import touches many at once; one
// batch is far cheaper than one index write per agency) and marks them indexed.
func (s *Service) syncMany(ctx context.Context, ids []string) error {
	return s.syncKnown(ctx, ids, nil)
}

// syncKnown is syncMany where known holds agencies just inserted (version 1, no ratings
// yet): they are indexed as they are, without reading them back.
func (s *Service) syncKnown(ctx context.Context, ids []string, known map[string]*kawan.Agency) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		docs := make([]search.AgencyDoc, 0, n)
		versions := make(map[string]int64, n)
		for _, id := range batch {
			a, raw := known[id], bson.Raw(nil)
			if a == nil || a.Version != 1 {
				var err error
				if a, raw, err = s.st.GetRaw(ctx, id); err != nil {
					return err
				}
			}
			d, err := s.Doc(ctx, a, raw)
			if err != nil {
				return err
			}
			docs = append(docs, d)
			versions[id] = a.Version
		}
		if err := s.idx.IndexAgencies(ctx, docs...); err != nil {
			return err
		}
		for id, v := range versions {
			if _, err := s.st.MarkIndexed(ctx, id, v); err != nil {
				return err
			}
		}
	}
	return nil
}
