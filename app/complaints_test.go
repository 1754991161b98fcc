package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// complaintsWorld is the product with everything a complaint needs, built with a logger
// that keeps every record (debug included) so the canary can be looked for in the log.
type complaintsWorld struct {
	a       *app.App
	c       *apitest.Client
	log     *syncBuffer
	agency  string
	other   string
	tokens  map[string]string // admin, moderator, worker, worker2, rep (of agency), desk, shelter (partners)
	dataDir string
}

func newComplaintsWorld(t *testing.T) *complaintsWorld {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.MongoURI = storetest.EmbeddedURI(t)
	var r [6]byte
	_, _ = rand.Read(r[:])
	cfg.MongoDatabase = "cmp_" + hex.EncodeToString(r[:])
	cfg.Demo = false
	cfg.Addr = "127.0.0.1:0"
	cfg.StatsK = 5
	logs := &syncBuffer{}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = a.Store.DB().Drop(context.Background())
		_ = a.Close(context.Background())
	})
	w := &complaintsWorld{a: a, c: apitest.New(t, a.Server), log: logs, tokens: map[string]string{}, dataDir: cfg.DataDir}
	mk := func(body string) string {
		var in agencies.AgencyInput
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatal(err)
		}
		ag, err := a.Agencies.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return ag.ID
	}
	w.agency = mk(`{"legal_name":"Fictional Himal Overseas Pvt. Ltd.","origin":"NP","destinations":["QA"],"fictional":true,
	 "licences":[{"regulator":"NP-DOFE","number":"4242/079/80","status":"active","source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}]}`)
	w.other = mk(`{"legal_name":"Fictional Second Agency","origin":"NP","destinations":["QA"],"fictional":true,
	 "licences":[{"regulator":"NP-DOFE","number":"4343/079/80","status":"active","source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}]}`)
	token := func(name string, role kawan.Role, agencyID string) string {
		u, err := a.Auth.CreateUser(ctx, auth.Registration{Username: name, Password: "a long test passphrase " + name}, role, agencyID, false)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := a.Auth.StartSession(ctx, u, auth.Client{Addr: "192.0.2.9", UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return pair.AccessToken
	}
	w.tokens["admin"] = token("cadmin", kawan.RoleAdmin, "")
	w.tokens["moderator"] = token("cmod", kawan.RoleModerator, "")
	w.tokens["worker"] = token("cworker", kawan.RoleWorker, "")
	w.tokens["worker2"] = token("cworker2", kawan.RoleWorker, "")
	w.tokens["rep"] = token("crep", kawan.RoleAgencyRep, w.agency)
	// The partners: fictional help directory entries made partners by the admin, each
	// with an account made by the admin, signed in through the API.
	admin := w.c.As(w.tokens["admin"])
	for _, p := range []struct{ id, name, kinds, nat, acct string }{
		{"fx-np-desk", "Fictional Nepali Labour Desk (Doha)", `["fees_above_cap","wages_unpaid","documents_withheld","contract_substitution"]`, `["NP"]`, "desk"},
		{"fx-qa-shelter", "Fictional Workers' Shelter (Doha)", `["wages_unpaid","abuse","fees_above_cap"]`, `[]`, "shelter"},
		{"fx-my-union", "Fictional Union (Malaysia)", `["wages_unpaid"]`, `[]`, "union"},
	} {
		country := "QA"
		if p.acct == "union" {
			country = "MY"
		}
		e := help.Entry{Name: p.name, Kind: "ngo", Countries: []string{country}, Needs: []string{"wage_theft"}, Languages: []string{"en", "ne"},
			Hours: "24 hours", Channels: []help.Channel{{Type: "phone", Value: "+974 4000 0000"}},
			Source: help.Source{Name: "fictional fixture", URL: "https://example.org/"}, LastChecked: "2026-11-01", Sample: true}
		if res := admin.Do(http.MethodPut, "/v1/help/"+p.id, e); res.Status != http.StatusCreated {
			t.Fatalf("help entry %s: %d %s", p.id, res.Status, res.Body)
		}
		res := admin.Do(http.MethodPost, "/v1/admin/partners", `{"help_id":"`+p.id+`","countries":["`+country+`"],"nationalities":`+p.nat+`,"kinds":`+p.kinds+`}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("partner %s: %d %s", p.id, res.Status, res.Body)
		}
		pass := "partner passphrase for " + p.acct
		res = admin.Do(http.MethodPost, "/v1/admin/partners/"+p.id+"/accounts", map[string]string{"username": "partner_" + p.acct, "password": pass})
		if res.Status != http.StatusCreated {
			t.Fatalf("partner account %s: %d %s", p.id, res.Status, res.Body)
		}
		res = w.c.Do(http.MethodPost, "/v1/auth/login", map[string]string{"username": "partner_" + p.acct, "password": pass})
		if res.Status != http.StatusOK {
			t.Fatalf("partner login %s: %d %s", p.acct, res.Status, res.Body)
		}
		var pair struct {
			AccessToken string `json:"access_token"`
		}
		res.JSON(t, &pair)
		w.tokens[p.acct] = pair.AccessToken
	}
	return w
}

const (
	canaryPhone    = "+977 981 234 5678"
	canaryEmail    = "canary.worker.7731@example.org"
	canaryName     = "Canaryname Sherpa"
	canaryPassport = "PA7731CANARY"
	canaryHandle   = "canaryhandle7731"
)

func (w *complaintsWorld) complaint(partners ...string) map[string]any {
	return map[string]any{
		"against": map[string]any{"kind": "agency", "agency_id": w.agency}, "facts": []string{"fees_above_cap", "wages_unpaid"},
		"happened_on": "2026-06-01", "country": "QA", "nationality": "NP", "place": "दोहा",
		"amounts": []map[string]string{{"what": "fee_paid", "amount": "150000", "currency": "NPR"}},
		"text":    "एजेन्सीले कानूनी सीमाभन्दा बढी शुल्क लियो।", "lang": "ne", "partner_ids": partners,
		"share": map[string]bool{"contact": true, "name": true, "passport_number": false},
		"private": map[string]string{"phone": canaryPhone, "email": canaryEmail, "name": canaryName, "passport_number": canaryPassport,
			"messaging_app": "whatsapp", "messaging_handle": canaryHandle},
	}
}

type filedCase struct {
	Code   string `json:"code"`
	Secret string `json:"secret"`
}

func (w *complaintsWorld) file(t *testing.T, c *apitest.Client, body any) filedCase {
	t.Helper()
	res := c.Do(http.MethodPost, "/v1/complaints", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("file complaint: %d %s", res.Status, res.Body)
	}
	var f filedCase
	res.JSON(t, &f)
	return f
}

// TestComplaintJourneyAPI is the "done when" through the API: a complaint filed in
// Nepali without an account is referred to a partner, accepted, messaged on and resolved
// with "money recovered NPR 45,000", and the worker sees each step with the case's secret.
func TestComplaintJourneyAPI(t *testing.T) {
	w := newComplaintsWorld(t)
	f := w.file(t, w.c, w.complaint("fx-np-desk"))
	if f.Secret == "" || !strings.HasPrefix(f.Code, "KC-") {
		t.Fatalf("filed: %+v", f)
	}
	secret := []string{"Kawan-Case-Secret", f.Secret}
	desk := w.c.As(w.tokens["desk"])
	path := "/v1/complaints/" + f.Code
	steps := []struct {
		c    *apitest.Client
		body string
	}{
		{desk, `{"to":"accepted"}`},
		{desk, `{"to":"in_progress"}`},
		{desk, `{"to":"resolved","outcome":{"kind":"money_recovered","recovered":{"amount":"45000","currency":"NPR"},"note":"Refund paid by the agency."}}`},
	}
	for i, s := range steps {
		res := s.c.Do(http.MethodPost, path+"/transitions", s.body)
		if res.Status != http.StatusOK {
			t.Fatalf("step %d: %d %s", i, res.Status, res.Body)
		}
		if i == 0 {
			if res := desk.Do(http.MethodPost, path+"/messages", `{"text":"नमस्ते, हामी तपाईंको मुद्दा हेर्दैछौं।"}`); res.Status != http.StatusCreated {
				t.Fatalf("partner message: %d %s", res.Status, res.Body)
			}
			if res := w.c.Do(http.MethodPost, path+"/messages", `{"text":"धन्यवाद!"}`, secret...); res.Status != http.StatusCreated {
				t.Fatalf("worker message: %d %s", res.Status, res.Body)
			}
		}
	}
	res := w.c.Do(http.MethodGet, path, nil, secret...)
	if res.Status != http.StatusOK {
		t.Fatalf("worker reads: %d %s", res.Status, res.Body)
	}
	var v struct {
		State   string `json:"state"`
		Private struct {
			Phone string `json:"phone"`
		} `json:"private"`
		Steps []struct {
			To, By string
			At     time.Time
		} `json:"steps"`
		Messages []struct{ From, Text string } `json:"messages"`
		Outcome  struct {
			Kind      string
			Recovered kawan.Money
		} `json:"outcome"`
		PartnerNames map[string]string `json:"partner_names"`
	}
	res.JSON(t, &v)
	var got []string
	for _, s := range v.Steps {
		got = append(got, s.To+"/"+s.By)
	}
	if strings.Join(got, " ") != "submitted/worker referred/worker accepted/partner in_progress/partner resolved/partner" ||
		v.State != "resolved" || v.Outcome.Kind != "money_recovered" || v.Outcome.Recovered != (kawan.Money{Amount: "45000", Currency: "NPR"}) ||
		len(v.Messages) != 2 || v.Private.Phone != canaryPhone || v.PartnerNames["fx-np-desk"] == "" {
		t.Fatalf("the worker's case: %s", res.Body)
	}
	// A stale version is a conflict; a wrong secret is not found.
	if res := w.c.Do(http.MethodGet, path, nil, "Kawan-Case-Secret", "not-the-secret"); res.Status != http.StatusNotFound {
		t.Errorf("wrong secret: %d", res.Status)
	}
}

// TestComplaintPermissionTable: who may read and act on a case. A partner reads only the
// cases referred to it, an agency's representative never reads complaints (not even about
// its own agency), a worker only their own.
func TestComplaintPermissionTable(t *testing.T) {
	w := newComplaintsWorld(t)
	own := w.file(t, w.c.As(w.tokens["worker"]), w.complaint("fx-np-desk"))
	anon := w.file(t, w.c, w.complaint("fx-qa-shelter"))
	rows := []struct {
		who, code string
		secret    string
		want      int
	}{
		{"worker", own.Code, "", http.StatusOK},
		{"worker2", own.Code, "", http.StatusForbidden},
		{"worker", anon.Code, "", http.StatusForbidden},
		{"", anon.Code, anon.Secret, http.StatusOK},
		{"", anon.Code, "", http.StatusNotFound},
		{"", own.Code, anon.Secret, http.StatusNotFound},
		{"desk", own.Code, "", http.StatusOK},
		{"desk", anon.Code, "", http.StatusForbidden},
		{"shelter", own.Code, "", http.StatusForbidden},
		{"shelter", anon.Code, "", http.StatusOK},
		{"union", own.Code, "", http.StatusForbidden},
		{"rep", own.Code, "", http.StatusForbidden},
		{"rep", anon.Code, anon.Secret, http.StatusForbidden},
		{"moderator", own.Code, "", http.StatusOK},
	}
	for _, r := range rows {
		c := w.c
		if r.who != "" {
			c = c.As(w.tokens[r.who])
		}
		var hdr []string
		if r.secret != "" {
			hdr = []string{"Kawan-Case-Secret", r.secret}
		}
		res := c.Do(http.MethodGet, "/v1/complaints/"+r.code, nil, hdr...)
		if res.Status != r.want {
			t.Errorf("%s reads %s: %d, want %d: %.200s", r.who, r.code, res.Status, r.want, res.Body)
		}
		if r.who == "moderator" && bytes.Contains(res.Body, []byte(canaryPhone)) {
			t.Error("a moderator sees the worker's contact")
		}
	}
	// Acting: a partner answering a case not referred to it; an agency rep; a worker.
	acts := []struct {
		who, code, body string
		want            int
	}{
		{"shelter", own.Code, `{"to":"accepted"}`, http.StatusForbidden},
		{"rep", own.Code, `{"to":"accepted"}`, http.StatusForbidden},
		{"worker", own.Code, `{"to":"accepted"}`, http.StatusForbidden},
		{"desk", own.Code, `{"to":"resolved","outcome":{"kind":"no_remedy"}}`, http.StatusForbidden},
		{"desk", own.Code, `{"to":"in_progress"}`, http.StatusForbidden},
	}
	for _, a := range acts {
		if res := w.c.As(w.tokens[a.who]).Do(http.MethodPost, "/v1/complaints/"+a.code+"/transitions", a.body); res.Status != a.want {
			t.Errorf("%s %s: %d, want %d: %s", a.who, a.body, res.Status, a.want, res.Body)
		}
	}
	// Lists: each sees only theirs.
	list := func(who, path string) string {
		res := w.c.As(w.tokens[who]).Do(http.MethodGet, path, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", who, path, res.Status, res.Body)
		}
		return string(res.Body)
	}
	if l := list("worker", "/v1/me/complaints"); !strings.Contains(l, own.Code) || strings.Contains(l, anon.Code) {
		t.Errorf("worker's list: %s", l)
	}
	if l := list("worker2", "/v1/me/complaints"); strings.Contains(l, own.Code) {
		t.Errorf("another worker's list: %s", l)
	}
	if l := list("desk", "/v1/partner/cases"); !strings.Contains(l, own.Code) || strings.Contains(l, anon.Code) {
		t.Errorf("desk's list: %s", l)
	}
	if l := list("union", "/v1/partner/cases"); strings.Contains(l, own.Code) || strings.Contains(l, anon.Code) {
		t.Errorf("union's list: %s", l)
	}
	for _, who := range []string{"rep", "worker", "desk"} {
		if res := w.c.As(w.tokens[who]).Do(http.MethodGet, "/v1/moderation/complaints", nil); res.Status != http.StatusForbidden {
			t.Errorf("%s reads the moderators' list: %d", who, res.Status)
		}
	}
	if res := w.c.As(w.tokens["rep"]).Do(http.MethodPost, "/v1/complaints", w.complaint("fx-np-desk")); res.Status != http.StatusForbidden {
		t.Errorf("an agency rep files a complaint: %d", res.Status)
	}
}

// TestComplaintAcceptRaceAPI: two partners accept the same case at once; one gets 200,
// the other 409.
func TestComplaintAcceptRaceAPI(t *testing.T) {
	w := newComplaintsWorld(t)
	for round := range 4 {
		f := w.file(t, w.c, w.complaint("fx-np-desk", "fx-qa-shelter"))
		who := []string{"desk", "shelter"}
		status := make([]int, 2)
		_ = storetest.Concurrently(2, func(i int) error {
			status[i] = w.c.As(w.tokens[who[i]]).Do(http.MethodPost, "/v1/complaints/"+f.Code+"/transitions", `{"to":"accepted"}`).Status
			return nil
		})
		if !(status[0] == 200 && status[1] == 409 || status[0] == 409 && status[1] == 200) {
			t.Fatalf("round %d: statuses %v, want one 200 and one 409", round, status)
		}
	}
}

// TestComplaintBadInputAPI: the bad input answered as problem+json naming the
// field, and nothing written.
func TestComplaintBadInputAPI(t *testing.T) {
	w := newComplaintsWorld(t)
	with := func(edit func(m map[string]any)) map[string]any {
		m := w.complaint("fx-np-desk")
		edit(m)
		return m
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"unknown currency", with(func(m map[string]any) {
			m["amounts"] = []map[string]string{{"what": "fee_paid", "amount": "100", "currency": "ABC"}}
		}), "amounts[0].currency"},
		{"future date", with(func(m map[string]any) { m["happened_on"] = time.Now().AddDate(0, 1, 0).Format(time.DateOnly) }), "happened_on"},
		{"1 MB of text", with(func(m map[string]any) { m["text"] = strings.Repeat("क", 1<<19) }), "text"},
		{"HTML", with(func(m map[string]any) { m["text"] = `<img src=x onerror=alert(1)>` }), "text"},
		{"partner not taking the country", with(func(m map[string]any) { m["partner_ids"] = []string{"fx-my-union"} }), "partner_ids[0]"},
		{"amount as a number", `{"against":{"kind":"unknown"},"facts":["other"],"country":"QA","nationality":"NP","lang":"en","moderators_choose":true,"amounts":[{"what":"other","amount":12.5,"currency":"QAR"}]}`, "amounts.amount"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := w.c.Do(http.MethodPost, "/v1/complaints", tc.body)
			if res.Status != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%d %s: %.300s", res.Status, res.Header.Get("Content-Type"), res.Body)
			}
			if !bytes.Contains(res.Body, []byte(`"field":"`+tc.field+`"`)) {
				t.Fatalf("the problem does not name %s: %.300s", tc.field, res.Body)
			}
		})
	}
	n, err := w.a.Store.DB().Collection("complaints").CountDocuments(context.Background(), map[string]any{})
	if err != nil || n != 0 {
		t.Fatalf("%d cases written by bad input (%v)", n, err)
	}
}

// TestComplaintCanary: the worker's contact, name and passport number appear only in the
// worker's own view and the accepting partner's (as shared): never in a public answer, a
// page, the search index, the log, a moderator's or another partner's view, or an export.
func TestComplaintCanary(t *testing.T) {
	w := newComplaintsWorld(t)
	ctx := context.Background()
	canaries := []string{canaryPhone, canaryEmail, canaryName, canaryPassport, canaryHandle, "9812345678"}
	owned := w.file(t, w.c.As(w.tokens["worker"]), w.complaint("fx-np-desk", "fx-qa-shelter"))
	anon := w.file(t, w.c, w.complaint("fx-np-desk"))
	desk := w.c.As(w.tokens["desk"])
	if res := desk.Do(http.MethodPost, "/v1/complaints/"+owned.Code+"/transitions", `{"to":"accepted"}`); res.Status != http.StatusOK {
		t.Fatal(res.Status)
	}
	res := desk.Do(http.MethodGet, "/v1/complaints/"+owned.Code, nil)
	if !bytes.Contains(res.Body, []byte(canaryPhone)) || !bytes.Contains(res.Body, []byte(canaryName)) || bytes.Contains(res.Body, []byte(canaryPassport)) {
		t.Fatalf("the accepting partner sees what was shared (contact, name), not the passport: %s", res.Body)
	}
	// Reindex agencies and reviews so the index has everything it would ever have.
	w.a.Agencies.Reconcile(ctxTimeout(t), agencies.ReconcileOptions{})
	leaks := func(where string, body []byte) {
		for _, c := range canaries {
			if bytes.Contains(body, []byte(c)) {
				t.Errorf("%s shows the canary %q", where, c)
			}
		}
	}
	srv := httptest.NewServer(w.a.Server)
	defer srv.Close()
	if _, err := w.a.Stats.Refresh(ctxTimeout(t)); err != nil { // the open data with these complaints in it
		t.Fatal(err)
	}
	for _, p := range []string{
		"/v1/stats/complaints", "/v1/stats/complaints?by=agency,year", "/v1/stats/complaints?by=year,destination,nationality,fact&format=csv",
		"/v1/agencies/" + w.agency, "/v1/agencies/" + w.agency + "/complaint-outcomes", "/v1/agencies?q=" + "Canaryname",
		"/v1/agencies?q=canary.worker", "/v1/partners", "/v1/partners?country=QA&nationality=NP", "/v1/help?country=QA",
		"/v1/stats", "/v1/stats/agency-reviews?by=origin", "/v1/agencies/" + w.agency + "/reviews", "/v1/transparency",
		"/agencies/" + w.agency, "/agencies?q=Canaryname", "/help?country=QA", "/open-data",
	} {
		r, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		r.Body.Close()
		leaks("GET "+p, b.Bytes())
	}
	for who, p := range map[string]string{
		"moderator": "/v1/complaints/" + owned.Code, "shelter": "/v1/complaints/" + owned.Code, "rep": "/v1/complaints/" + owned.Code,
		"union": "/v1/partner/cases", "admin": "/v1/moderation/complaints", "worker2": "/v1/me/export",
	} {
		leaks(who+" GET "+p, w.c.As(w.tokens[who]).Do(http.MethodGet, p, nil).Body)
	}
	leaks("the desk's list", desk.Do(http.MethodGet, "/v1/partner/cases", nil).Body)
	leaks("the rep's export", w.c.As(w.tokens["rep"]).Do(http.MethodGet, "/v1/me/export", nil).Body)
	// The search index on disk.
	_ = filepath.WalkDir(filepath.Join(w.dataDir, "search"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		leaks("index file "+filepath.Base(path), b)
		return nil
	})
	// The log, after the whole flow (debug level included), and the flagging job.
	if _, err := w.a.Complaints.FlagUnanswered(ctx); err != nil {
		t.Fatal(err)
	}
	if res := w.c.Do(http.MethodPost, "/v1/complaints/"+anon.Code+"/messages", `{"text":"my number again: `+canaryPhone+`"}`, "Kawan-Case-Secret", anon.Secret); res.Status != http.StatusCreated {
		t.Fatalf("message: %d %s", res.Status, res.Body)
	}
	leaks("the log", []byte(w.log.String()))
	if !strings.Contains(w.log.String(), "complaint filed") {
		t.Error("the log sink saw nothing: the canary check of the log proves nothing")
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestComplaintOutcomesAPI: an agency's outcomes appear only once k distinct workers
// complained, and one more complaint below the next step of k changes nothing.
func TestComplaintOutcomesAPI(t *testing.T) {
	w := newComplaintsWorld(t)
	ctx := context.Background()
	get := func() string {
		res := w.c.Do(http.MethodGet, "/v1/agencies/"+w.agency+"/complaint-outcomes", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		return string(res.Body)
	}
	if res := w.c.Do(http.MethodGet, "/v1/agencies/no-such-agency/complaint-outcomes", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown agency: %d", res.Status)
	}
	// Through the service, as distinct signed-in workers: the API's per-network rate
	// limit allows 10 filings in a row from one test client.
	fileAs := func(i int) {
		u, err := w.a.Auth.CreateUser(ctx, auth.Registration{Username: "outcomeworker" + string(rune('a'+i)), Password: "a long test passphrase x"}, kawan.RoleWorker, "", false)
		if err != nil {
			t.Fatal(err)
		}
		p := kawan.Principal{UserID: u.ID, Username: u.Username, Role: kawan.RoleWorker}
		f, err := w.a.Complaints.File(ctx, &p, fileInput(t, w))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if res := w.c.As(w.tokens["desk"]).Do(http.MethodPost, "/v1/complaints/"+f.Code+"/transitions", `{"to":"accepted"}`); res.Status != http.StatusOK {
				t.Fatal(res.Status)
			}
		}
	}
	for i := range 4 {
		fileAs(i)
	}
	if b := get(); !strings.Contains(b, `"suppressed":true`) || strings.Contains(b, `"received"`) {
		t.Fatalf("4 workers, k=5: %s", b)
	}
	fileAs(4)
	five := get()
	if !strings.Contains(five, `"workers":5`) || !strings.Contains(five, `"received":5`) || !strings.Contains(five, `"accepted":3`) {
		t.Fatalf("5 workers, k=5: %s", five)
	}
	fileAs(5)
	if six := get(); six != five {
		t.Fatalf("one more complaint changed the release:\n%s\n%s", five, six)
	}
}

func fileInput(t *testing.T, w *complaintsWorld) (in complaints.Complaint) {
	t.Helper()
	b, _ := json.Marshal(w.complaint("fx-np-desk"))
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestComplaintExportAndAccountErasure: a worker's own export carries their cases with their
// details; erasing the account anonymises the cases (an open one is closed as withdrawn)
// and keeps the outcome as an anonymous count.
func TestComplaintExportAndAccountErasure(t *testing.T) {
	w := newComplaintsWorld(t)
	ctx := context.Background()
	worker := w.c.As(w.tokens["worker"])
	open := w.file(t, worker, w.complaint("fx-np-desk"))
	done := w.file(t, worker, w.complaint("fx-np-desk"))
	desk := w.c.As(w.tokens["desk"])
	for _, body := range []string{`{"to":"accepted"}`, `{"to":"resolved","outcome":{"kind":"documents_returned","note":"Passport handed back."}}`} {
		if res := desk.Do(http.MethodPost, "/v1/complaints/"+done.Code+"/transitions", body); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", body, res.Status, res.Body)
		}
	}
	exp := worker.Do(http.MethodGet, "/v1/me/export", nil)
	if exp.Status != http.StatusOK || !bytes.Contains(exp.Body, []byte(open.Code)) || !bytes.Contains(exp.Body, []byte(canaryPassport)) {
		t.Fatalf("the worker's export lacks their cases: %d %.300s", exp.Status, exp.Body)
	}
	if res := worker.Do(http.MethodDelete, "/v1/me", map[string]string{"password": "a long test passphrase cworker", "reviews": "remove"}); res.Status != http.StatusNoContent {
		t.Fatalf("erase account: %d %s", res.Status, res.Body)
	}
	for _, code := range []string{open.Code, done.Code} {
		c, err := w.a.Complaints.Get(ctx, complaints.Caller{P: &kawan.Principal{UserID: "mod", Role: kawan.RoleModerator}}, code)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(c)
		for _, canary := range []string{canaryPhone, canaryName, canaryPassport, canaryEmail, "Passport handed back"} {
			if bytes.Contains(raw, []byte(canary)) {
				t.Errorf("case %s keeps %q after the account was erased", code, canary)
			}
		}
		var doc struct {
			Owner   string              `bson:"owner_id"`
			Private complaints.Private  `bson:"private"`
			State   complaints.State    `bson:"state"`
			Outcome *complaints.Outcome `bson:"outcome"`
		}
		if err := w.a.Store.DB().Collection("complaints").FindOne(ctx, map[string]string{"_id": code}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.Owner != "" || doc.Private != (complaints.Private{}) || !doc.State.Terminal() {
			t.Errorf("stored case %s after erasure: %+v", code, doc)
		}
		if code == done.Code && (doc.Outcome == nil || doc.Outcome.Kind != "documents_returned") {
			t.Errorf("the outcome count did not survive: %+v", doc.Outcome)
		}
	}
}

// paperCSV builds a fictional paper-review file of n rows about agencies (in turn).
func paperCSV(n int, agencies ...string) string {
	var b strings.Builder
	b.WriteString(strings.Join(paper.Columns, ",") + "\r\n")
	places := []string{"Doha", "Al Khor", "Lusail", "Al Wakrah", "Mesaieed"}
	for i := range n {
		fmt.Fprintf(&b, "UNION-MTG-%03d,%s,2026-0%d-1%d,%d,%d,%d,%d,%d,%s,NP,QA,construction,2024,%d,NPR,ne,\"Written at the union meeting in %s, worker %d: the agency took %d rupees and the site had %d hours a day.\"\r\n",
			i+1, agencies[i%len(agencies)], 1+i%8, i%10, 1+i%5, 1+(i+1)%5, 1+(i+2)%5, 1+(i+3)%5, 1+(i+4)%5, []string{"yes", "no"}[i%2],
			100000+i*1000, places[i%len(places)], i+1, 100000+i*1000, 10+i%4)
	}
	return b.String()
}

// TestPaperReviewsCSV: a partner's 50-row paper-review CSV imports through the reviews
// service; the reviews carry the partner as their source; a wrong column or a duplicate
// reference is a 400 naming the line and column, and nothing is written.
func TestPaperReviewsCSV(t *testing.T) {
	w := newComplaintsWorld(t)
	ctx := context.Background()
	desk := w.c.As(w.tokens["desk"])
	post := func(c *apitest.Client, body string) *apitest.Response {
		return c.Do(http.MethodPost, "/v1/partner/paper-reviews", []byte(body), "Content-Type", "text/csv")
	}
	count := func() int64 {
		n, err := w.a.Store.DB().Collection("reviews").CountDocuments(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	good := paperCSV(50, w.agency, w.other)
	bad := []struct {
		name, body, field string
	}{
		{"wrong column", strings.Replace(good, "overall,fees_honesty", "overal,fees_honesty", 1), "line 1: column 4"},
		{"duplicate reference", strings.Replace(good, "UNION-MTG-007", "UNION-MTG-003", 1), "line 8: reference"},
		{"bad rating", strings.Replace(good, "UNION-MTG-010,"+w.other+",2026-02-19,5", "UNION-MTG-010,"+w.other+",2026-02-19,9", 1), "line 11: overall"},
		{"unknown agency", strings.Replace(good, "UNION-MTG-012,"+w.other, "UNION-MTG-012,no-such-agency", 1), "line 13: agency_id"},
	}
	for _, tc := range bad {
		res := post(desk, tc.body)
		if res.Status != http.StatusBadRequest || !bytes.Contains(res.Body, []byte(`"field":"`+tc.field+`"`)) {
			t.Errorf("%s: %d %.400s", tc.name, res.Status, res.Body)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d reviews written by refused files", n)
	}
	if res := w.c.As(w.tokens["worker"]).Do(http.MethodPost, "/v1/partner/paper-reviews", []byte(good), "Content-Type", "text/csv"); res.Status != http.StatusForbidden {
		t.Errorf("a worker imports paper reviews: %d", res.Status)
	}
	res := post(desk, good)
	if res.Status != http.StatusCreated {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	var out struct {
		Imported int
		Items    []struct {
			Line     int
			ReviewID string `json:"review_id"`
			Status   string
			Verified bool
		}
	}
	res.JSON(t, &out)
	published := 0
	for _, it := range out.Items {
		if it.Status == "published" {
			published++
			if !it.Verified {
				t.Errorf("line %d published but not verified", it.Line)
			}
		}
	}
	t.Logf("%d of 50 paper reviews published (and verified) by screening; the others are held for a moderator", published)
	if out.Imported != 50 || count() != 50 || published == 0 {
		t.Fatalf("imported %d, %d reviews stored, %d published", out.Imported, count(), published)
	}
	ids := make([]string, len(out.Items))
	for i, it := range out.Items {
		ids[i] = it.ReviewID
	}
	by, err := w.a.Complaints.CollectedBy(ctx, ids)
	if err != nil || len(by) != 50 || by[ids[0]] != "Fictional Nepali Labour Desk (Doha)" {
		t.Fatalf("collected by: %v %v", by, err)
	}
	// The same file again: every reference was imported before.
	if res := post(desk, good); res.Status != http.StatusBadRequest || !bytes.Contains(res.Body, []byte(`"field":"line 2: reference"`)) {
		t.Errorf("re-import: %d %.300s", res.Status, res.Body)
	}
	if n := count(); n != 50 {
		t.Errorf("%d reviews after the refused re-import", n)
	}
}

// TestComplaintHeldMessageDecisionAPI: a threatening message on a case is held (only its
// sender and moderators see it); a moderator releases it to the other party, or rejects it
// (its sender sees it was not delivered); each decision is recorded with who and when on the
// message and in the audit log; deciding a message that is not held is 409; only
// moderators and admins decide.
func TestComplaintHeldMessageDecisionAPI(t *testing.T) {
	w := newComplaintsWorld(t)
	ctx := context.Background()
	f := w.file(t, w.c.As(w.tokens["worker"]), w.complaint("fx-np-desk"))
	path := "/v1/complaints/" + f.Code
	desk, worker, mod := w.c.As(w.tokens["desk"]), w.c.As(w.tokens["worker"]), w.c.As(w.tokens["moderator"])
	if res := desk.Do(http.MethodPost, path+"/transitions", `{"to":"accepted"}`); res.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	type msg struct {
		ID, Text, From string
		Held, Rejected bool
		Decision       *struct{ Action, By string }
	}
	messages := func(c *apitest.Client) []msg {
		t.Helper()
		res := c.Do(http.MethodGet, path, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("read case: %d %s", res.Status, res.Body)
		}
		var v struct{ Messages []msg }
		res.JSON(t, &v)
		return v.Messages
	}
	const threat1, threat2 = "I know where you live, watch out. Drop this complaint.", "I know where you live, watch out. We will find you."
	for _, text := range []string{threat1, threat2} {
		if res := desk.Do(http.MethodPost, path+"/messages", map[string]string{"text": text}); res.Status != http.StatusCreated {
			t.Fatalf("message: %d %s", res.Status, res.Body)
		}
	}
	if res := worker.Do(http.MethodPost, path+"/messages", `{"text":"Thank you, I will send the contract."}`); res.Status != http.StatusCreated {
		t.Fatalf("worker message: %d %s", res.Status, res.Body)
	}
	if got := messages(worker); len(got) != 1 {
		t.Fatalf("the worker sees held messages: %+v", got)
	}
	all := messages(mod)
	if len(all) != 3 || !all[0].Held || !all[1].Held || all[2].Held {
		t.Fatalf("the moderator's view: %+v", all)
	}
	// The moderators' list carries the held messages.
	res := mod.Do(http.MethodGet, "/v1/moderation/complaints", nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), all[0].ID) || !strings.Contains(string(res.Body), all[1].ID) {
		t.Fatalf("moderators' list: %d %s", res.Status, res.Body)
	}
	decide := func(c *apitest.Client, id, body string) *apitest.Response {
		return c.Do(http.MethodPost, "/v1/moderation/complaints/"+f.Code+"/messages/"+id, body)
	}
	// Roles: the sender, the worker, an agency representative and another partner are refused.
	for _, who := range []string{"desk", "worker", "rep", "shelter"} {
		if res := decide(w.c.As(w.tokens[who]), all[0].ID, `{"decision":"release"}`); res.Status != http.StatusForbidden {
			t.Errorf("%s decides: %d %s", who, res.Status, res.Body)
		}
	}
	if res := decide(w.c, all[0].ID, `{"decision":"release"}`); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous decides: %d", res.Status)
	}
	// Bad input names the field; an unknown message is 404; a message never held is 409.
	if res := decide(mod, all[0].ID, `{"decision":"publish"}`); res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"field":"decision"`) {
		t.Errorf("bad decision: %d %s", res.Status, res.Body)
	}
	if res := decide(mod, "no-such-message", `{"decision":"release"}`); res.Status != http.StatusNotFound {
		t.Errorf("unknown message: %d %s", res.Status, res.Body)
	}
	if res := decide(mod, all[2].ID, `{"decision":"release"}`); res.Status != http.StatusConflict {
		t.Errorf("a message never held: %d %s", res.Status, res.Body)
	}
	if res := decide(mod, all[0].ID, `{"decision":"release","version":1}`); res.Status != http.StatusConflict {
		t.Errorf("a stale version: %d %s", res.Status, res.Body)
	}
	// Release the first: the worker sees it now; reject the second (an admin): the worker
	// never does, the partner who sent it sees it was not delivered.
	if res := decide(mod, all[0].ID, `{"decision":"release"}`); res.Status != http.StatusOK {
		t.Fatalf("release: %d %s", res.Status, res.Body)
	}
	if res := decide(w.c.As(w.tokens["admin"]), all[1].ID, `{"decision":"reject"}`); res.Status != http.StatusOK {
		t.Fatalf("reject: %d %s", res.Status, res.Body)
	}
	got := messages(worker)
	if len(got) != 2 || got[0].Text != threat1 || got[0].Held || got[0].Decision == nil || got[0].Decision.Action != "release" || got[0].Decision.By != "moderator" {
		t.Fatalf("after release, the worker sees: %+v", got)
	}
	if strings.Contains(fmt.Sprint(got), threat2) {
		t.Fatal("the worker sees the rejected message")
	}
	sent := messages(desk)
	if len(sent) != 3 || !sent[1].Rejected || sent[1].Held || sent[1].Decision == nil || sent[1].Decision.Action != "reject" {
		t.Fatalf("the sender is not told of the rejection: %+v", sent)
	}
	// Decided: not held any more. Another decision is 409; the same one by the same
	// moderator is answered as it was.
	if res := decide(mod, all[0].ID, `{"decision":"reject"}`); res.Status != http.StatusConflict {
		t.Errorf("rejecting a released message: %d %s", res.Status, res.Body)
	}
	if res := decide(mod, all[1].ID, `{"decision":"reject"}`); res.Status != http.StatusConflict {
		t.Errorf("another moderator repeating a decision: %d %s", res.Status, res.Body)
	}
	if res := decide(mod, all[0].ID, `{"decision":"release"}`); res.Status != http.StatusOK {
		t.Errorf("the same moderator repeating the decision: %d %s", res.Status, res.Body)
	}
	res = mod.Do(http.MethodGet, "/v1/moderation/complaints", nil)
	if strings.Contains(string(res.Body), f.Code) {
		t.Errorf("a case without held messages stays in the moderators' list: %s", res.Body)
	}
	// Who and when: the audit log keeps the moderator's account and the decision.
	for id, want := range map[string]string{all[0].ID: "released", all[1].ID: "rejected"} {
		entries, err := store.NewAuditLog(w.a.Store.DB()).BySubject(ctx, "complaint:"+f.Code+"/message:"+id, 10)
		if err != nil || len(entries) != 1 || entries[0].To != want || entries[0].ActorID == "" || entries[0].At.IsZero() ||
			entries[0].Action != "complaint.message.decision" {
			t.Errorf("audit of %s: %+v %v", want, entries, err)
		}
	}
}
