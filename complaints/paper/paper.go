// Package paper imports reviews a partner organisation collected on paper or by phone,
// from a CSV file. Each row is submitted through the reviews service like any other review
// (the same screening and fraud signals), with the partner as its source and the partner's
// own reference; one that screening publishes is verified (it weighs like a verified
// review), one it holds waits for a moderator. The site labels them "collected by <partner>"
// (complaints.Service.CollectedBy). It is its own package because the reviews service
// depends on the store, which depends on the complaints types.
package paper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/reviews"
)

// Columns is the CSV layout (header row required, in this order; docs/complaints.md).
var Columns = []string{"reference", "agency_id", "collected_on", "overall", "fees_honesty", "contract_match", "treatment",
	"support", "would_recommend", "origin", "destination", "sector", "departure_year", "fees_paid", "fees_currency", "lang", "text"}

// Bounds of a paper-review file.
const (
	MaxRows      = 1000
	MaxBytes     = 4 << 20
	MaxReference = 64
)

// Row is one valid row of a paper-review file.
type Row struct {
	Line        int
	Reference   string
	AgencyID    string
	CollectedOn time.Time
	Review      reviews.Submission
}

// Importer imports paper-review files.
type Importer struct {
	Complaints *complaints.Service
	Records    complaints.PaperStore
	Reviews    interface {
		Submit(ctx context.Context, agencyID string, author reviews.Author, in reviews.Submission, idemKey string) (reviews.Result, error)
	}
	AgencyExists func(ctx context.Context, id string) (bool, error)
	// Verify marks a published paper review verified (moderation's verify decision).
	Verify func(ctx context.Context, reviewID string) error
	Log    *slog.Logger
	Now    func() time.Time
}

func lineField(line int, col string) string { return fmt.Sprintf("line %d: %s", line, col) }

// ParseCSV reads a paper-review file: the header must be exactly Columns; every
// row is checked as the review form would check it. Errors name the line (the header is
// line 1) and the column, every one at once.
func ParseCSV(data []byte, now time.Time) ([]Row, error) {
	if len(data) > MaxBytes {
		return nil, kawan.Invalid("file", "must be at most %d bytes", MaxBytes)
	}
	if !utf8.Valid(data) {
		return nil, kawan.Invalid("file", "must be UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a spreadsheet's byte-order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, kawan.Invalid("line 1", "must be the header row: %s", strings.Join(Columns, ","))
	}
	v := &kawan.ValidationError{}
	for i, want := range Columns {
		got := ""
		if i < len(header) {
			got = strings.TrimSpace(header[i])
		}
		if got != want {
			v.Add(fmt.Sprintf("line 1: column %d", i+1), "must be %q, found %q (the columns are %s)", want, got, strings.Join(Columns, ","))
		}
	}
	if len(header) > len(Columns) {
		v.Add(fmt.Sprintf("line 1: column %d", len(Columns)+1), "unexpected column %q", header[len(Columns)])
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var rows []Row
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			v.Add(fmt.Sprintf("line %d", line), "is not valid CSV: %v", err)
			break
		}
		line, _ := r.FieldPos(0)
		if len(rows)+1 > MaxRows {
			v.Add("file", "at most %d rows", MaxRows)
			break
		}
		if len(rec) != len(Columns) {
			v.Add(fmt.Sprintf("line %d", line), "has %d columns, the header %d", len(rec), len(Columns))
			continue
		}
		get := func(col string) string {
			for i, c := range Columns {
				if c == col {
					return strings.TrimSpace(rec[i])
				}
			}
			return ""
		}
		row := Row{Line: line, Reference: get("reference"), AgencyID: get("agency_id")}
		switch {
		case row.Reference == "" || len(row.Reference) > MaxReference || strings.ContainsFunc(row.Reference, func(c rune) bool { return c < ' ' || c == '|' }):
			v.Add(lineField(line, "reference"), "is required: your own record's reference, 1 to %d characters, no '|'", MaxReference)
		case seen[row.Reference] > 0:
			v.Add(lineField(line, "reference"), "%q is already on line %d", row.Reference, seen[row.Reference])
		default:
			seen[row.Reference] = line
		}
		if !kawan.ValidID(row.AgencyID) {
			v.Add(lineField(line, "agency_id"), "must be an agency's ID")
		}
		if d, err := time.Parse(time.DateOnly, get("collected_on")); err != nil || d.After(now) || d.Year() < 2000 {
			v.Add(lineField(line, "collected_on"), "must be the date you collected it, like 2026-05-01, not in the future")
		} else {
			row.CollectedOn = d
		}
		rating := func(col string) *int {
			s := get(col)
			if s == "" {
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				n = -1
			}
			return &n
		}
		sub := reviews.Submission{Ratings: reviews.RatingsInput{Overall: rating("overall"), FeesHonesty: rating("fees_honesty"),
			ContractMatch: rating("contract_match"), Treatment: rating("treatment"), Support: rating("support")},
			Origin: get("origin"), Destination: get("destination"), Sector: get("sector"), Text: get("text"), Lang: get("lang")}
		switch strings.ToLower(get("would_recommend")) {
		case "yes", "true", "1":
			sub.WouldRecommend = ptrBool(true)
		case "no", "false", "0":
			sub.WouldRecommend = ptrBool(false)
		}
		if y := get("departure_year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil {
				n = -1
			}
			sub.DepartureYear = n
		}
		if a := get("fees_paid"); a != "" || get("fees_currency") != "" {
			sub.FeesPaid = &kawan.Money{Amount: a, Currency: get("fees_currency")}
		}
		if err := sub.Check(now); err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) {
				return nil, err
			}
			for _, fe := range ve.Fields {
				v.Add(lineField(line, paperColumn(fe.Field)), "%s", fe.Reason)
			}
		}
		row.Review = sub
		rows = append(rows, row)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, kawan.Invalid("file", "has no rows below the header")
	}
	return rows, nil
}

// paperColumn maps a review field error to the CSV column it came from.
func paperColumn(field string) string {
	switch {
	case strings.HasPrefix(field, "ratings."):
		return strings.TrimPrefix(field, "ratings.")
	case field == "fees_paid.amount" || field == "fees_paid":
		return "fees_paid"
	case field == "fees_paid.currency":
		return "fees_currency"
	}
	return field
}

func ptrBool(b bool) *bool { return &b }

// Result is what became of one imported row.
type Result struct {
	Line      int                `json:"line"`
	Reference string             `json:"reference"`
	ReviewID  string             `json:"review_id"`
	Status    kawan.ReviewStatus `json:"status"`
	Verified  bool               `json:"verified"`
}

// paperAuthor is the pseudonymous author of a paper review: one per partner and
// reference, so two references are two workers and a retry is the same one.
func paperAuthor(partnerID, ref string) string {
	h := sha256.Sum256([]byte("kawan-paper-review\x00" + complaints.PaperKey(partnerID, ref)))
	return "paper-" + hex.EncodeToString(h[:12])
}

// Import checks a whole paper-review file (layout, every row, references not used
// before by this partner, agencies that exist) and only then submits its rows, in order.
// A row the database refuses mid-way leaves the rows before it imported; importing the same
// file again imports the rest (each row's submission is idempotent on its reference).
func (im *Importer) Import(ctx context.Context, p kawan.Principal, data []byte) ([]Result, error) {
	org, err := im.Complaints.PartnerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if im.Now != nil {
		now = im.Now().UTC()
	}
	rows, err := ParseCSV(data, now)
	if err != nil {
		return nil, err
	}
	v := &kawan.ValidationError{}
	for _, row := range rows {
		if _, err := im.Records.PaperRecord(ctx, complaints.PaperKey(org.ID, row.Reference)); err == nil {
			v.Add(lineField(row.Line, "reference"), "%q was imported before", row.Reference)
		} else if !errors.Is(err, kawan.ErrNotFound) {
			return nil, err
		}
		if im.AgencyExists != nil {
			ok, err := im.AgencyExists(ctx, row.AgencyID)
			if err != nil {
				return nil, err
			}
			if !ok {
				v.Add(lineField(row.Line, "agency_id"), "no agency has this ID")
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(rows))
	for _, row := range rows {
		author := reviews.Author{UserID: paperAuthor(org.ID, row.Reference), ClientFP: "paper-" + org.ID, Since: row.CollectedOn}
		res, err := im.Reviews.Submit(ctx, row.AgencyID, author, row.Review, "paper")
		if err != nil {
			return out, fmt.Errorf("paper: review on line %d: %w", row.Line, err)
		}
		rec := &complaints.PaperRecord{ID: complaints.PaperKey(org.ID, row.Reference), PartnerID: org.ID, PartnerName: org.Name, Reference: row.Reference,
			ReviewID: res.ID, CollectedOn: row.CollectedOn, ImportedAt: now}
		if err := im.Records.PutPaperRecord(ctx, rec); err != nil {
			return out, err
		}
		r := Result{Line: row.Line, Reference: row.Reference, ReviewID: res.ID, Status: res.Status}
		if res.Status == kawan.ReviewPublished && im.Verify != nil {
			if err := im.Verify(ctx, res.ID); err != nil {
				im.Log.Warn("verify a published paper review (a moderator can verify it)", "err", err)
			} else {
				r.Verified = true
			}
		}
		out = append(out, r)
	}
	im.Log.Info("paper reviews imported", "rows", len(out))
	return out, nil
}
