package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

// Agencies is the repository of the agency registry: the "agencies" collection and its
// look-up keys ("agency_keys": licence → agency, origin+normalised name → agency), all read
// by _id (FerretDB v1 only pushes _id equality down to SQL).
//
// The agency document is shared with the reviews area, which keeps the rating aggregates
// under "ratings" (and "ratings_ops") with atomic $inc and bumps "version". This repository
// never writes those fields: every write $sets only the registry's own fields and $incs
// "version" in the same update.
//
// Update is a compare-and-set on {_id, version}: atomic on MongoDB and on the embedded
// FerretDB alike (KAWAN.md patch 5), and answered from the _id index on both (patch 2).
type Agencies struct {
	c    *mongo.Collection
	keys *mongo.Collection
	// imports holds one ImportRecord per import profile ("agency_imports").
	imports *mongo.Collection
}

// NewAgencies returns the agencies repository of db.
func NewAgencies(db *mongo.Database) *Agencies {
	return &Agencies{c: db.Collection("agencies"), keys: db.Collection("agency_keys"), imports: db.Collection("agency_imports")}
}

// agencyIndexes serve MongoDB deployments (admin listings, stats by origin); FerretDB creates
// them but the hot paths are all by _id.
func agencyIndexes(ctx context.Context, db *mongo.Database) error {
	if err := EnsureIndexes(ctx, db.Collection("agencies"),
		mongo.IndexModel{Keys: bson.D{{Key: "origin", Value: 1}, {Key: "norm_name", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "updated_at", Value: 1}}},
	); err != nil {
		return err
	}
	return EnsureIndexes(ctx, db.Collection("agency_keys"),
		mongo.IndexModel{Keys: bson.D{{Key: "agency_id", Value: 1}}})
}

// LicenceKey is the agency_keys _id of a licence number (compared in kawan.LicenceNumberKey form).
func LicenceKey(regulator, number string) string {
	return RegistryKey(regulator, kawan.LicenceNumberKey(regulator, number))
}

// RegistryKey is the agency_keys _id of a regulator's own key for a row (kawan.Licence.RegistryKey).
func RegistryKey(regulator, key string) string {
	return "lic|" + strings.ToUpper(regulator) + "|" + key
}

// LicenceKeyOf is the agency_keys _id of a licence.
func LicenceKeyOf(l kawan.Licence) string { return RegistryKey(l.Regulator, l.RegistryKey()) }

// rekeyLicences points every licence at its key in the kawan.LicenceNumberKey form (set-up
// step 202: keys were letters and digits run together before, so "RL-0010" and "10" differed)
// and drops the old keys. Idempotent.
func rekeyLicences(ctx context.Context, db *mongo.Database) error {
	s := NewAgencies(db)
	return s.Each(ctx, func(a *kawan.Agency, _ bson.Raw) error {
		for _, l := range a.Licences {
			k := LicenceKeyOf(l)
			if _, err := s.SetKey(ctx, k, a.ID, ""); err != nil {
				return err
			}
			if old := "lic|" + strings.ToUpper(l.Regulator) + "|" + kawan.NormalizeLicenceNumber(l.Number); old != k && l.Number != "" {
				if err := s.DeleteKey(ctx, old, a.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// NameKey is the agency_keys _id of an agency's normalised name within its origin country.
func NameKey(origin, normName string) string {
	return "name|" + strings.ToUpper(origin) + "|" + normName
}

// ownedFields are the fields the registry writes; "ratings", "ratings_ops", "version" and
// "indexed_version" are never among them.
func ownedFields(a *kawan.Agency) bson.D {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	lic, san, src := a.Licences, a.Sanctions, a.Sources
	if lic == nil {
		lic = []kawan.Licence{}
	}
	if san == nil {
		san = []kawan.Sanction{}
	}
	if src == nil {
		src = []kawan.Source{}
	}
	merges := a.Merges
	if merges == nil {
		merges = []kawan.MergeNote{}
	}
	return bson.D{
		{Key: "legal_name", Value: a.LegalName}, {Key: "trade_names", Value: nz(a.TradeNames)},
		{Key: "origin", Value: a.Origin}, {Key: "address", Value: a.Address}, {Key: "city", Value: a.City},
		{Key: "contact", Value: a.Contact}, {Key: "languages", Value: nz(a.Languages)},
		{Key: "licences", Value: lic}, {Key: "sanctions", Value: san},
		{Key: "destinations", Value: nz(a.Destinations)}, {Key: "sectors", Value: nz(a.Sectors)},
		{Key: "sources", Value: src}, {Key: "fictional", Value: a.Fictional}, {Key: "norm_name", Value: a.NormName},
		{Key: "merged_into", Value: a.MergedInto}, {Key: "merges", Value: merges}, {Key: "updated_at", Value: a.UpdatedAt},
	}
}

// Insert stores a new agency at version 1 (ErrConflict when the ID is taken). Ratings on a
// are ignored: a new agency has none.
func (s *Agencies) Insert(ctx context.Context, a *kawan.Agency) error {
	doc := append(bson.D{{Key: "_id", Value: a.ID}}, ownedFields(a)...)
	doc = append(doc, bson.E{Key: "created_at", Value: a.CreatedAt}, bson.E{Key: "version", Value: int64(1)},
		bson.E{Key: "indexed_version", Value: int64(0)})
	if _, err := s.c.InsertOne(ctx, doc); err != nil {
		return Classify("insert agency "+a.ID, err)
	}
	a.Version, a.IndexedVersion = 1, 0
	return nil
}

// Update writes a's registry fields if the stored agency is still at a.Version, bumping the
// version in the same update. It returns false when the agency changed since it was read
// (a concurrent import, or a review moving the ratings): re-read and retry.
func (s *Agencies) Update(ctx context.Context, a *kawan.Agency) (bool, error) {
	filter := bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: a.Version}}
	res, err := s.c.UpdateOne(ctx, filter,
		bson.D{{Key: "$set", Value: ownedFields(a)}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return false, Classify("update agency "+a.ID, err)
	}
	if res.MatchedCount == 1 {
		a.Version++
		return true, nil
	}
	return false, nil
}

// Get reads one agency.
func (s *Agencies) Get(ctx context.Context, agencyID string) (*kawan.Agency, error) {
	a, _, err := s.GetRaw(ctx, agencyID)
	return a, err
}

// GetRaw reads one agency and also returns the stored document (for the reviews area's
// score, which reads ratings from it).
func (s *Agencies) GetRaw(ctx context.Context, agencyID string) (*kawan.Agency, bson.Raw, error) {
	raw, err := s.c.FindOne(ctx, id(agencyID)).Raw()
	if err != nil {
		return nil, nil, Classify("agency "+agencyID, err)
	}
	var a kawan.Agency
	if err := bson.Unmarshal(raw, &a); err != nil {
		return nil, nil, fmt.Errorf("store: decode agency %s: %w", agencyID, err)
	}
	return &a, raw, nil
}

// keyDoc is one look-up key.
type keyDoc struct {
	ID       string `bson:"_id"`
	AgencyID string `bson:"agency_id"`
}

// Lookup returns the agency ID a key points to, or "" when there is none.
func (s *Agencies) Lookup(ctx context.Context, key string) (string, error) {
	var k keyDoc
	err := s.keys.FindOne(ctx, id(key)).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", Classify("agency key", err)
	}
	return k.AgencyID, nil
}

// MaxLookupKeys bounds LookupMany's keys.
const MaxLookupKeys = 200

// LookupMany is Lookup for several keys in one find on _id: key → agency ID for the keys
// that exist.
func (s *Agencies) LookupMany(ctx context.Context, keys []string) (map[string]string, error) {
	ks, err := byIDs[keyDoc](ctx, s.keys, keys, MaxLookupKeys, "agency keys")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ks))
	for _, k := range ks {
		out[k.ID] = k.AgencyID
	}
	return out, nil
}

// SetKey points key at agencyID. It only replaces a key that points nowhere useful: it
// succeeds when the key is absent, already points at agencyID, or points at ifPointsTo
// (a stale key left by a crashed write; "" to never replace). False means another agency
// holds the key.
func (s *Agencies) SetKey(ctx context.Context, key, agencyID, ifPointsTo string) (bool, error) {
	_, err := s.keys.InsertOne(ctx, keyDoc{ID: key, AgencyID: agencyID})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, Classify("set agency key", err)
	}
	cur, err := s.Lookup(ctx, key)
	if err != nil {
		return false, err
	}
	if cur == agencyID {
		return true, nil
	}
	if ifPointsTo == "" || cur != ifPointsTo {
		return false, nil
	}
	res, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "agency_id", Value: ifPointsTo}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "agency_id", Value: agencyID}}}})
	if err != nil {
		return false, Classify("set agency key", err)
	}
	return res.ModifiedCount == 1, nil
}

// DeleteKey removes key if it still points at agencyID.
func (s *Agencies) DeleteKey(ctx context.Context, key, agencyID string) error {
	_, err := s.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "agency_id", Value: agencyID}})
	return Classify("delete agency key", err)
}

// MarkIndexed records that version of the agency is in the search index and reports whether
// the agency is still at that version (false: it changed meanwhile; sync again). It raises
// indexed_version with $max by _id only: indexed_version never exceeds a version that was
// really indexed, and a newer write leaves it behind, so the reconciler catches up.
func (s *Agencies) MarkIndexed(ctx context.Context, agencyID string, version int64) (bool, error) {
	var d struct {
		Version int64 `bson:"version"`
	}
	err := s.c.FindOneAndUpdate(ctx, id(agencyID), bson.D{{Key: "$max", Value: bson.D{{Key: "indexed_version", Value: version}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d) // no projection: FerretDB v1 lacks it here
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, Classify("mark agency indexed", err)
	}
	return d.Version == version, nil
}

// MarkIndexedBatch is MarkIndexed for many agencies (ID → version indexed) in one round trip:
// one unordered bulk write of $max updates, each by _id alone (so FerretDB uses its primary
// key for every one). It does not report which agencies changed meanwhile; the reconciler
// finds those (their version is above the mark).
func (s *Agencies) MarkIndexedBatch(ctx context.Context, versions map[string]int64) error {
	if len(versions) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, 0, len(versions))
	for agencyID, v := range versions {
		models = append(models, mongo.NewUpdateOneModel().SetFilter(id(agencyID)).
			SetUpdate(bson.D{{Key: "$max", Value: bson.D{{Key: "indexed_version", Value: v}}}}))
	}
	_, err := s.c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	return Classify("mark agencies indexed", err)
}

// Behind scans every agency once (one cursor: FerretDB cannot page by _id without scanning)
// and returns up to limit IDs whose indexed_version is below version.
func (s *Agencies) Behind(ctx context.Context, limit int) ([]string, error) {
	cur, err := s.c.Find(ctx, bson.D{}, options.Find().SetBatchSize(2000).
		SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "indexed_version", Value: 1}}))
	if err != nil {
		return nil, Classify("scan agencies", err)
	}
	defer cur.Close(ctx)
	var out []string
	for cur.Next(ctx) && len(out) < limit {
		var d struct {
			ID             string `bson:"_id"`
			Version        int64  `bson:"version"`
			IndexedVersion int64  `bson:"indexed_version"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("store: decode agency: %w", err)
		}
		if d.IndexedVersion < d.Version {
			out = append(out, d.ID)
		}
	}
	return out, Classify("scan agencies", cur.Err())
}

// Each calls fn for every agency with its stored document (one cursor, in no particular
// order: reindex, tools). fn must not keep raw.
func (s *Agencies) Each(ctx context.Context, fn func(a *kawan.Agency, raw bson.Raw) error) error {
	cur, err := s.c.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return Classify("list agencies", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var a kawan.Agency
		if err := cur.Decode(&a); err != nil {
			return fmt.Errorf("store: decode agency: %w", err)
		}
		if err := fn(&a, cur.Current); err != nil {
			return err
		}
	}
	return Classify("list agencies", cur.Err())
}

// Count returns the number of agencies (estimated; exact on FerretDB).
func (s *Agencies) Count(ctx context.Context) (int64, error) {
	n, err := s.c.CountDocuments(ctx, bson.D{})
	return n, Classify("count agencies", err)
}

// EstimatedCount returns about how many agencies there are, cheaply: the collection's
// statistics (collStats: SQLite's page statistics on FerretDB, metadata on MongoDB), not a
// count of the documents (which FerretDB v1 answers by reading and decoding every one). For
// progress bars; falls back on Count when the statistics are unavailable.
func (s *Agencies) EstimatedCount(ctx context.Context) (int64, error) {
	var st struct {
		Count int64 `bson:"count"`
	}
	err := s.c.Database().RunCommand(ctx, bson.D{{Key: "collStats", Value: s.c.Name()}}).Decode(&st)
	if err != nil || st.Count < 0 {
		return s.Count(ctx)
	}
	return st.Count, nil
}

// Touch bumps an agency's version without changing it, so the reconciler re-indexes it
// (used by `kawan reindex` repair and tests).
func (s *Agencies) Touch(ctx context.Context, agencyID string) error {
	_, err := s.c.UpdateOne(ctx, id(agencyID), bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	return Classify("touch agency", err)
}

// KeysWithPrefix lists look-up keys starting with prefix (e.g. every licence of one
// regulator, "lic|PH-DMW|"), at most limit, in order. An admin batch job, not a hot path.
func (s *Agencies) KeysWithPrefix(ctx context.Context, prefix string, limit int) ([]string, error) {
	cur, err := s.keys.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: prefix}, {Key: "$lt", Value: prefix + "\uffff"}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(min(max(limit, 1), 1000000))).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, Classify("list agency keys", err)
	}
	var ds []keyDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, Classify("list agency keys", err)
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out, nil
}

// InsertNew bulk-inserts new agencies at version 1 and their look-up keys (keys[i] holds the
// keys of as[i]) in two round trips: for loading a registry into an empty database (demo
// data, first import), where per-agency writes would cost seconds. A duplicate is ErrConflict.
func (s *Agencies) InsertNew(ctx context.Context, as []*kawan.Agency, keys [][]string) error {
	if len(as) == 0 {
		return nil
	}
	docs := make([]any, 0, len(as))
	var keyDocs []any
	for i, a := range as {
		doc := append(bson.D{{Key: "_id", Value: a.ID}}, ownedFields(a)...)
		docs = append(docs, append(doc, bson.E{Key: "created_at", Value: a.CreatedAt}, bson.E{Key: "version", Value: int64(1)},
			bson.E{Key: "indexed_version", Value: int64(0)}))
		for _, k := range keys[i] {
			keyDocs = append(keyDocs, keyDoc{ID: k, AgencyID: a.ID})
		}
		a.Version = 1
	}
	if _, err := s.keys.InsertMany(ctx, keyDocs); err != nil {
		return Classify("insert agency keys", err)
	}
	if _, err := s.c.InsertMany(ctx, docs); err != nil {
		return Classify("insert agencies", err)
	}
	return nil
}

// MarkIndexedMany raises indexed_version to version for the given agencies still at that
// version (one update; see MarkIndexed).
func (s *Agencies) MarkIndexedMany(ctx context.Context, ids []string, version int64) error {
	_, err := s.c.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "version", Value: version}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "indexed_version", Value: version}}}})
	return Classify("mark agencies indexed", err)
}

// ImportRecord is the last import of one list (profile) of a regulator: when it was read,
// as of when the regulator says its facts were true, and how many rows it had. The licence
// check names these when it finds nothing; /v1/registry/status lists them.
type ImportRecord struct {
	Profile   string `json:"profile" bson:"_id"`
	Regulator string `json:"regulator" bson:"regulator"`
	SourceURL string `json:"source_url" bson:"source_url"`
	// RetrievedAt is when the list was read from the regulator; AsOf when the regulator says
	// its data is from (zero when the list does not say).
	RetrievedAt time.Time `json:"retrieved_at" bson:"retrieved_at"`
	AsOf        time.Time `json:"as_of,omitzero" bson:"as_of,omitempty"`
	Rows        int       `json:"rows" bson:"rows"`
	Agencies    int       `json:"agencies" bson:"agencies"`
	ImportedAt  time.Time `json:"imported_at" bson:"imported_at"`
}

// RecordImport stores rec as the last import of its profile.
func (s *Agencies) RecordImport(ctx context.Context, rec ImportRecord) error {
	_, err := s.imports.ReplaceOne(ctx, id(rec.Profile), rec, options.Replace().SetUpsert(true))
	return Classify("record agency import", err)
}

// Imports lists the last import of every profile, by profile name.
func (s *Agencies) Imports(ctx context.Context) ([]ImportRecord, error) {
	return all[ImportRecord](ctx, s.imports, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1000))
}
