package agencies

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// AgencyInput is an agency as an admin creates or replaces it (POST/PUT /v1/admin/agencies).
// Review aggregates are never part of it.
type AgencyInput struct {
	LegalName    string           `json:"legal_name"`
	TradeNames   []string         `json:"trade_names,omitempty"`
	Origin       string           `json:"origin"`
	Address      string           `json:"address,omitempty"`
	City         string           `json:"city,omitempty"`
	Contact      kawan.Contact    `json:"contact"`
	Languages    []string         `json:"languages,omitempty"`
	Licences     []kawan.Licence  `json:"licences,omitempty"`
	Sanctions    []kawan.Sanction `json:"sanctions,omitempty"`
	Destinations []string         `json:"destinations,omitempty"`
	Sectors      []string         `json:"sectors,omitempty"`
	Fictional    bool             `json:"fictional,omitempty"`
}

// Bounds on agency fields.
const (
	maxName      = 200
	maxText      = 500
	maxList      = 50
	maxSummary   = 1000
	maxLicenceNo = 64
)

// statusList names every licence status (validation messages).
func statusList() string {
	out := make([]string, len(kawan.LicenceStatuses))
	for i, s := range kawan.LicenceStatuses {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func validURL(s string) bool {
	if len(s) > 500 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func text(v *kawan.ValidationError, field, s string, maxRunes int, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		v.Add(field, "must be at most %d characters", maxRunes)
	}
}

// validate checks a (as an admin or an importer built it); field names are JSON paths.
func validate(a *kawan.Agency) error {
	v := &kawan.ValidationError{}
	text(v, "legal_name", a.LegalName, maxName, true)
	if a.LegalName != "" && kawan.NormalizeName(a.LegalName) == "" {
		v.Add("legal_name", "must contain letters or digits besides legal-form words")
	}
	if a.Origin == "" {
		v.Add("origin", "is required")
	}
	CheckCountry(v, "origin", a.Origin)
	text(v, "address", a.Address, maxText, false)
	text(v, "city", a.City, maxName, false)
	text(v, "contact.phone", a.Contact.Phone, 100, false)
	text(v, "contact.email", a.Contact.Email, 200, false)
	if len(a.Contact.Phones) > maxList || len(a.Contact.Emails) > maxList {
		v.Add("contact", "must list at most %d phones and %d e-mails", maxList, maxList)
	}
	for i, p := range a.Contact.Phones {
		text(v, fmt.Sprintf("contact.phones[%d]", i), p, 100, true)
	}
	for i, e := range a.Contact.Emails {
		text(v, fmt.Sprintf("contact.emails[%d]", i), e, 200, true)
	}
	if a.Contact.Website != "" && !validURL(a.Contact.Website) {
		v.Add("contact.website", "must be an http(s) URL")
	}
	lists := map[string][]string{"trade_names": a.TradeNames, "languages": a.Languages, "destinations": a.Destinations, "sectors": a.Sectors}
	for _, f := range []string{"trade_names", "languages", "destinations", "sectors"} {
		if len(lists[f]) > maxList {
			v.Add(f, "must have at most %d entries", maxList)
		}
	}
	for i, t := range a.TradeNames {
		text(v, fmt.Sprintf("trade_names[%d]", i), t, maxName, true)
	}
	for i, l := range a.Languages {
		if _, err := language.Parse(l); err != nil || len(l) > 35 {
			v.Add(fmt.Sprintf("languages[%d]", i), "must be a BCP 47 language tag such as ne, tl or id")
		}
	}
	for i, d := range a.Destinations {
		CheckCountry(v, fmt.Sprintf("destinations[%d]", i), d)
	}
	for i, s := range a.Sectors {
		if !slices.Contains(kawan.Sectors, s) {
			v.Add(fmt.Sprintf("sectors[%d]", i), "must be one of %s", strings.Join(kawan.Sectors, ", "))
		}
	}
	if len(a.Licences) > maxList {
		v.Add("licences", "must have at most %d entries", maxList)
	}
	seen := map[string]int{}
	for i, l := range a.Licences {
		f := fmt.Sprintf("licences[%d]", i)
		if _, ok := kawan.Regulators[l.Regulator]; !ok {
			v.Add(f+".regulator", "must be a known regulator code such as PH-DMW, NP-DOFE or ID-BP2MI")
		}
		switch {
		case l.Number == "" && l.Key != "":
			if !strings.HasPrefix(l.Key, "n:") || utf8.RuneCountInString(l.Key) > maxName+maxLicenceNo || !utf8.ValidString(l.Key) {
				v.Add(f+".key", "must be a registry key n:NAME|CLASSIFICATION of at most %d characters", maxName+maxLicenceNo)
			}
		case kawan.LicenceNumberKey(l.Regulator, l.Number) == "" || utf8.RuneCountInString(l.Number) > maxLicenceNo || !utf8.ValidString(l.Number):
			v.Add(f+".number", "must be 1 to %d characters with letters or digits", maxLicenceNo)
		}
		if !l.Status.Valid() {
			v.Add(f+".status", "must be one of %s", statusList())
		}
		text(v, f+".status_text", l.StatusText, maxName, false)
		text(v, f+".classification", l.Classification, maxName, false)
		if !validURL(l.SourceURL) {
			v.Add(f+".source_url", "must be the http(s) URL of the list or page this licence was read from")
		}
		if l.RetrievedAt.IsZero() {
			v.Add(f+".retrieved_at", "is required: when the source was read")
		}
		if !l.ValidFrom.IsZero() && !l.ValidTo.IsZero() && l.ValidTo.Before(l.ValidFrom) {
			v.Add(f+".valid_to", "is before valid_from")
		}
		k := store.LicenceKeyOf(l)
		if j, dup := seen[k]; dup {
			v.Add(f+".number", "repeats licences[%d]", j)
		}
		seen[k] = i
	}
	if len(a.Sanctions) > maxList {
		v.Add("sanctions", "must have at most %d entries", maxList)
	}
	for i, s := range a.Sanctions {
		f := fmt.Sprintf("sanctions[%d]", i)
		if s.Date.IsZero() {
			v.Add(f+".date", "is required")
		}
		text(v, f+".authority", s.Authority, maxName, true)
		if !s.Kind.Valid() {
			v.Add(f+".kind", "must be one of suspension, revocation, blacklist, fine, warning, criminal_case")
		}
		text(v, f+".summary", s.Summary, maxSummary, true)
		if !validURL(s.SourceURL) {
			v.Add(f+".source_url", "must be the http(s) URL of the decision or list")
		}
	}
	return v.Err()
}

func (in AgencyInput) agency() *kawan.Agency {
	return &kawan.Agency{
		LegalName: strings.TrimSpace(in.LegalName), TradeNames: in.TradeNames, Origin: in.Origin, Address: in.Address, City: in.City,
		Contact: in.Contact, Languages: in.Languages, Licences: in.Licences, Sanctions: in.Sanctions,
		Destinations: in.Destinations, Sectors: in.Sectors, Fictional: in.Fictional,
	}
}

func normalise(a *kawan.Agency) {
	a.NormName = kawan.NormalizeName(a.LegalName)
	for i := range a.Licences {
		l := &a.Licences[i]
		l.Regulator = strings.ToUpper(l.Regulator)
		l.Number = strings.TrimSpace(l.Number)
		l.ValidFrom, l.ValidTo, l.StatusDate, l.RetrievedAt = utcDay(l.ValidFrom), utcDay(l.ValidTo), utcDay(l.StatusDate), l.RetrievedAt.UTC()
	}
	for i := range a.Sanctions {
		a.Sanctions[i].Date = utcDay(a.Sanctions[i].Date)
	}
}

func utcDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Create adds a new agency (admin). Its ID is a slug of name and origin. ErrConflict when
// an agency with the same normalised name in the same origin, or one of its licences,
// already exists (update that one instead).
func (s *Service) Create(ctx context.Context, in AgencyInput) (*kawan.Agency, error) {
	a := in.agency()
	a.Sources = []kawan.Source{{Name: "admin", URL: "https://kawan.example/admin", RetrievedAt: s.now().UTC().Truncate(time.Second)}}
	if err := validate(a); err != nil {
		return nil, err
	}
	normalise(a)
	if id, err := s.findExisting(ctx, a); err != nil {
		return nil, err
	} else if id != "" {
		return nil, fmt.Errorf("agencies: agency %s already has this name or licence: %w", id, kawan.ErrConflict)
	}
	if err := s.insert(ctx, a); err != nil {
		return nil, err
	}
	s.recordAdmin(ctx, a.ID, &kawan.Agency{}, a)
	s.syncAfterWrite(ctx, a.ID)
	return a, nil
}

// recordAdmin records an admin's changes to licences and sanctions in the agency's history
// (best effort: the change itself is already stored).
func (s *Service) recordAdmin(ctx context.Context, id string, before, after *kawan.Agency) {
	now := s.now()
	evs := stampEvents(id, now, changeEvents(before, after, seenOn{source: "admin", day: utcDay(now)}))
	if err := s.history.Append(ctx, evs...); err != nil {
		s.log.Warn("agencies: recording an admin change in the history failed", "agency", id, "err", err)
	}
}

// Update replaces an agency's registry fields (admin); ratings, versions and sources stay.
func (s *Service) Update(ctx context.Context, id string, in AgencyInput) (*kawan.Agency, error) {
	if !kawan.ValidID(id) {
		return nil, fmt.Errorf("agencies: agency %q: %w", id, kawan.ErrNotFound)
	}
	want := in.agency()
	if err := validate(want); err != nil {
		return nil, err
	}
	normalise(want)
	var before *kawan.Agency
	a, _, err := s.apply(ctx, id, func(a *kawan.Agency) (bool, error) {
		before = cloneAgency(a)
		sources, created, fictional := a.Sources, a.CreatedAt, a.Fictional
		prevKeys := keysOf(a)
		*a = kawan.Agency{ID: a.ID, Version: a.Version, CreatedAt: created, Ratings: a.Ratings, Sources: sources, MergedInto: a.MergedInto}
		copyRegistry(a, want)
		a.Fictional = fictional || want.Fictional
		if err := s.claimKeys(ctx, a, prevKeys); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	s.recordAdmin(ctx, id, before, a)
	s.syncAfterWrite(ctx, id)
	return a, nil
}

func copyRegistry(dst, src *kawan.Agency) {
	dst.LegalName, dst.TradeNames, dst.Origin, dst.Address, dst.City = src.LegalName, src.TradeNames, src.Origin, src.Address, src.City
	dst.Contact, dst.Languages, dst.Licences, dst.Sanctions = src.Contact, src.Languages, src.Licences, src.Sanctions
	dst.Destinations, dst.Sectors, dst.NormName = src.Destinations, src.Sectors, src.NormName
}

// keysOf lists an agency's look-up keys.
func keysOf(a *kawan.Agency) []string {
	keys := []string{store.NameKey(a.Origin, a.NormName)}
	for _, l := range a.Licences {
		keys = append(keys, store.LicenceKeyOf(l))
	}
	return keys
}

// lookupLive returns the agency a key points to if that agency exists; stale is the ID of a
// key left pointing at an agency that does not exist (a crashed write), which may be replaced.
func (s *Service) lookupLive(ctx context.Context, key string) (id, stale string, err error) {
	a, stale, err := s.lookupAgency(ctx, key)
	if a != nil {
		id = a.ID
	}
	return id, stale, err
}

// lookupAgency is lookupLive returning the agency read.
func (s *Service) lookupAgency(ctx context.Context, key string) (a *kawan.Agency, stale string, err error) {
	id, err := s.st.Lookup(ctx, key)
	if err != nil || id == "" {
		return nil, "", err
	}
	if a, err = s.st.Get(ctx, id); errors.Is(err, kawan.ErrNotFound) {
		return nil, id, nil
	} else if err != nil {
		return nil, "", err
	}
	return a, "", nil
}

// findExisting returns the agency a record belongs to: the holder of any of its licences
// (regulator + number), else the agency with the same normalised name in the same origin.
func (s *Service) findExisting(ctx context.Context, a *kawan.Agency) (string, error) {
	for _, l := range a.Licences {
		id, _, err := s.lookupLive(ctx, store.LicenceKeyOf(l))
		if err != nil || id != "" {
			return id, err
		}
	}
	id, _, err := s.lookupLive(ctx, store.NameKey(a.Origin, a.NormName))
	return id, err
}

// claimKeys points a's keys at a (replacing stale ones) and releases keys it no longer has.
// A key held by another live agency is ErrConflict, except the name key when sharedName is
// set: an import keeps two agencies of one name apart (different licence numbers), and only
// the first holds the name key.
func (s *Service) claimKeys(ctx context.Context, a *kawan.Agency, prev []string, sharedName ...bool) error {
	keys := keysOf(a)
	for _, k := range keys {
		// Most keys are free or already a's: one write settles them. Only a key held
		// elsewhere needs the look-up (another live agency, or a stale key to replace).
		if ok, err := s.st.SetKey(ctx, k, a.ID, ""); err != nil {
			return err
		} else if ok {
			continue
		}
		cur, stale, err := s.lookupLive(ctx, k)
		if err != nil {
			return err
		}
		if cur != "" && cur != a.ID && strings.HasPrefix(k, "name|") && len(sharedName) > 0 && sharedName[0] {
			continue
		}
		if cur != "" && cur != a.ID {
			what := "licence " + strings.TrimPrefix(k, "lic|")
			if strings.HasPrefix(k, "name|") {
				what = "name"
			}
			return fmt.Errorf("agencies: agency %s already has this %s: %w", cur, what, kawan.ErrConflict)
		}
		ok, err := s.st.SetKey(ctx, k, a.ID, stale)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("agencies: another agency took key %s meanwhile: %w", k, kawan.ErrConflict)
		}
	}
	for _, k := range prev {
		if !slices.Contains(keys, k) {
			if err := s.st.DeleteKey(ctx, k, a.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// insert stores a new agency under a free slug ID, claiming its keys first (sharedName: see claimKeys).
func (s *Service) insert(ctx context.Context, a *kawan.Agency, sharedName ...bool) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	a.CreatedAt, a.UpdatedAt = now, now
	base := kawan.Slug(a.LegalName, a.Origin)
	for n := 1; n <= 50; n++ {
		a.ID = base
		if n > 1 {
			a.ID = fmt.Sprintf("%s-%d", base, n)
		}
		if _, err := s.st.Get(ctx, a.ID); err == nil {
			continue
		} else if !errors.Is(err, kawan.ErrNotFound) {
			return err
		}
		if err := s.claimKeys(ctx, a, nil, sharedName...); err != nil {
			return err
		}
		err := s.st.Insert(ctx, a)
		if errors.Is(err, kawan.ErrConflict) {
			continue // another writer took this ID between the check and the insert
		}
		return err
	}
	return fmt.Errorf("agencies: no free ID for %q: %w", base, kawan.ErrConflict)
}

// apply reads agency id, lets mutate change it, and writes it back with a compare-and-set
// on the version (retrying when a concurrent write, such as a review, moved it). mutate
// returns false to leave the agency unchanged.
func (s *Service) apply(ctx context.Context, id string, mutate func(a *kawan.Agency) (bool, error)) (*kawan.Agency, bool, error) {
	for range 8 {
		a, err := s.st.Get(ctx, id)
		if err != nil {
			return nil, false, err
		}
		changed, err := mutate(a)
		if err != nil || !changed {
			return a, false, err
		}
		a.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
		ok, err := s.st.Update(ctx, a)
		if err != nil {
			return nil, false, err
		}
		if ok {
			return a, true, nil
		}
	}
	return nil, false, fmt.Errorf("agencies: agency %s keeps changing; try again: %w", id, kawan.ErrConflict)
}

// SplitInput names the listing an admin splits off an agency record: its regulator and its
// key (the licence number as printed, or the registry key of a list without numbers).
type SplitInput struct {
	Regulator string `json:"regulator"`
	Key       string `json:"key"`
}

// Split undoes a merge (admin): the licence of in.Regulator with key in.Key leaves agency id
// and becomes an agency of its own, named and addressed as the list gave it (the merge
// note), with the sanctions of that licence. Both records keep their sources; the history of
// both records says what happened. The next import finds the split-off licence by its key,
// so the split stays. It returns the agency after the split and the new agency.
func (s *Service) Split(ctx context.Context, id string, in SplitInput) (*kawan.Agency, *kawan.Agency, error) {
	if !kawan.ValidID(id) {
		return nil, nil, fmt.Errorf("agencies: agency %q: %w", id, kawan.ErrNotFound)
	}
	v := &kawan.ValidationError{}
	code, ok := kawan.NormalizeRegulator(in.Regulator)
	if !ok {
		v.Add("regulator", "must be one of %s", strings.Join(regulatorCodes(), ", "))
	}
	if strings.TrimSpace(in.Key) == "" || utf8.RuneCountInString(in.Key) > maxName+maxLicenceNo {
		v.Add("key", "is required: the licence number, or the key of a listing without numbers")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	match := func(l kawan.Licence) bool {
		return l.Regulator == code && (l.RegistryKey() == in.Key || l.Number != "" && l.RegistryKey() == kawan.LicenceNumberKey(code, in.Key))
	}
	var moved kawan.Licence
	var sanctions []kawan.Sanction
	var note *kawan.MergeNote
	var sources []kawan.Source
	origin, fictional := "", false
	a, _, err := s.apply(ctx, id, func(a *kawan.Agency) (bool, error) {
		i := slices.IndexFunc(a.Licences, match)
		if i < 0 {
			return false, kawan.Invalid("key", "agency %s has no %s licence or listing %q", a.ID, code, in.Key)
		}
		if len(a.Licences) == 1 {
			return false, kawan.Invalid("key", "it is agency %s's only licence: there is nothing to split it from", a.ID)
		}
		prev := keysOf(a)
		moved, origin, fictional, sources = a.Licences[i], a.Origin, a.Fictional, slices.Clone(a.Sources)
		a.Licences = slices.Delete(slices.Clone(a.Licences), i, i+1)
		key := moved.RegistryKey()
		sanctions = nil
		keep := a.Sanctions[:0:0]
		for _, sn := range a.Sanctions {
			if sn.Licence != "" && kawan.LicenceNumberKey(code, sn.Licence) == key && moved.Number != "" {
				sanctions = append(sanctions, sn)
			} else {
				keep = append(keep, sn)
			}
		}
		a.Sanctions = keep
		note = nil
		if j := slices.IndexFunc(a.Merges, func(m kawan.MergeNote) bool { return m.Regulator == code && m.Key == key }); j >= 0 {
			n := a.Merges[j]
			note = &n
			a.Merges = slices.Delete(slices.Clone(a.Merges), j, j+1)
		}
		return true, s.claimKeys(ctx, a, prev, true)
	})
	if err != nil {
		return nil, nil, err
	}
	name, address := a.LegalName, ""
	if note != nil {
		name, address = note.Name, note.Address
	}
	b := &kawan.Agency{LegalName: name, Origin: origin, Address: address, Licences: []kawan.Licence{moved}, Sanctions: sanctions,
		Sources: sources, Fictional: fictional}
	normalise(b)
	if err := s.insert(ctx, b, true); err != nil {
		// Put the licence back: nothing is half-done.
		_, _, rerr := s.apply(ctx, id, func(a *kawan.Agency) (bool, error) {
			prev := keysOf(a)
			a.Licences = append(a.Licences, moved)
			a.Sanctions = append(a.Sanctions, sanctions...)
			if note != nil {
				a.Merges = append(a.Merges, *note)
			}
			return true, s.claimKeys(ctx, a, prev, true)
		})
		return nil, nil, errors.Join(err, rerr)
	}
	now := s.now().UTC()
	evs := []kawan.AgencyEvent{
		{AgencyID: a.ID, Kind: EventSplit, Regulator: code, Licence: moved.Label(), To: b.ID, Source: "admin", SeenOn: utcDay(now), RecordedAt: now,
			Summary: fmt.Sprintf("an admin split the %s licence %s off this record: it is agency %s", code, moved.Label(), b.ID)},
		{AgencyID: b.ID, Kind: EventSplit, Regulator: code, Licence: moved.Label(), From: a.ID, Source: "admin", SeenOn: utcDay(now), RecordedAt: now,
			Summary: fmt.Sprintf("an admin split this %s licence %s off agency %s, which it had been merged into", code, moved.Label(), a.ID)},
	}
	for i := range evs {
		evs[i].ID = eventID(evs[i]) + strconv.FormatInt(now.UnixNano(), 36)
	}
	if err := s.history.Append(ctx, evs...); err != nil {
		s.log.Warn("agencies: recording a split in the history failed", "agency", a.ID, "err", err)
	}
	s.syncAfterWrite(ctx, a.ID)
	s.syncAfterWrite(ctx, b.ID)
	return a, b, nil
}
