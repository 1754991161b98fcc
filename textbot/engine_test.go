package textbot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
	"github.com/kawan-labs/kawan/textbot"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is the engine on the real services: the agency registry with fictional demo
// agencies on the embedded FerretDB and Bleve, fx on its bundled demo feeds, the help
// directory's sample data.
type fixture struct {
	eng      *textbot.Engine
	agencies *agencies.Service
	fx       *fx.Service
	sessions *store.TextSessions
	demo     []agencies.AgencyInput
	now      time.Time
}

func newFixture(t testing.TB, o textbot.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	idx, err := search.Open(ctx, search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	ag := agencies.New(store.NewAgencies(st.DB()), idx, agencies.Options{})
	now := time.Now()
	demo := agencies.DemoAgencies(60, 2026, now)
	if _, err := ag.LoadDemo(ctx, demo); err != nil {
		t.Fatal(err)
	}
	fxs, err := fx.New(fx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fxs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := help.New(store.NewHelpEntries(st.DB()), help.Options{})
	if _, err := hs.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	ts := store.NewTextSessions(st.DB())
	fp := auth.NewFingerprinter([]byte(strings.Repeat("k", 32)))
	o.Licences, o.Quotes, o.Help, o.Sessions = ag, fxs, hs, ts
	o.Hash = fp.Contact
	if o.BaseURL == "" {
		o.BaseURL = "https://kawan.example"
	}
	eng, err := textbot.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{eng: eng, agencies: ag, fx: fxs, sessions: ts, demo: demo, now: now}
}

// licensed is a demo agency of origin with an active, dated licence and no sanctions.
func (f *fixture) licensed(t testing.TB, origin string) agencies.AgencyInput {
	t.Helper()
	for _, a := range f.demo {
		l := a.Licences[0]
		if a.Origin == origin && l.Status == kawan.LicenceActive && l.ValidTo.After(f.now.AddDate(0, 1, 0)) && len(a.Sanctions) == 0 {
			return a
		}
	}
	t.Fatalf("no licensed demo agency of %s", origin)
	return agencies.AgencyInput{}
}

func (f *fixture) say(t testing.TB, from, text string) textbot.Reply {
	t.Helper()
	r, err := f.eng.Answer(context.Background(), textbot.Message{Channel: "sms", Sender: from, Phone: true, Text: text})
	if err != nil {
		t.Fatalf("answer %q: %v", text, err)
	}
	return r
}

func toDevanagari(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '०' + (r - '0')
		}
		return r
	}, s)
}

const nepali, filipino = "+977 980 000 0001", "+63 917 000 0001"

func TestNepaliCheckInDevanagariDigits(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	a := f.licensed(t, "NP")
	num := a.Licences[0].Number
	r := f.say(t, nepali, "check "+toDevanagari(num))
	until := a.Licences[0].ValidTo.UTC().Format("2006-01-02")
	if !strings.HasPrefix(r.Text, "वैध "+until+" सम्म, DoFE ") || r.Lang != "ne" {
		t.Fatalf("not the Nepali verdict: %q (%s)", r.Text, r.Lang)
	}
	if r.Encoding != textbot.UCS2 || r.Segments != 1 || r.Units > 70 {
		t.Fatalf("not one UCS-2 segment: %s %d units %d segments: %q", r.Encoding, r.Units, r.Segments, r.Text)
	}
	if !strings.Contains(r.Text, " https://kawan.example/a/") {
		t.Fatalf("no short link at the end: %q", r.Text)
	}
	// the same in Nepali words, glued and with a typo'd English keyword
	for _, text := range []string{"जाँच " + toDevanagari(num), "जाँच" + num, "chek " + num, "LICENCE " + strings.ToLower(num), num} {
		if got := f.say(t, nepali, text); got.Text != r.Text {
			t.Errorf("%q: %q, want %q", text, got.Text, r.Text)
		}
	}
}

func TestEnglishVerdicts(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	a := f.licensed(t, "PH")
	l := a.Licences[0]
	r := f.say(t, "+44 7700 900001", "CHECK "+l.Number)
	want := fmt.Sprintf("LICENSED until %s - DMW list of %s: %s", l.ValidTo.UTC().Format("02 Jan 2006"), l.RetrievedAt.UTC().Format("02 Jan 2006"), a.LegalName)
	if !strings.HasPrefix(r.Text, want) || r.Encoding != textbot.GSM7 || r.Segments != 1 {
		t.Fatalf("got %q (%s, %d), want %q…", r.Text, r.Encoding, r.Segments, want)
	}
	var bad agencies.AgencyInput
	for _, x := range f.demo {
		if x.Licences[0].Status == kawan.LicenceRevoked {
			bad = x
			break
		}
	}
	if bad.LegalName == "" {
		t.Fatal("no revoked demo agency")
	}
	if r := f.say(t, "+44 7700 900001", "check "+bad.Licences[0].Number); !strings.HasPrefix(r.Text, "REVOKED - ") || !strings.Contains(r.Text, "Do not pay") {
		t.Fatalf("revoked: %q", r.Text)
	}
	r = f.say(t, "+44 7700 900001", "check 9999-ZZ-999")
	if !strings.HasPrefix(r.Text, "NOT FOUND on ") || !strings.Contains(r.Text, "do not pay any fee") || r.Segments != 1 {
		t.Fatalf("not found: %q", r.Text)
	}
	r = f.say(t, nepali, "check 9999-ZZ-999")
	if !strings.Contains(r.Text, "DoFE dofe.gov.np") {
		t.Fatalf("a Nepali number is not told to check with DoFE: %q", r.Text)
	}
}

func TestAmbiguousNameNumberedReply(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	// the demo names share their place names: "Everest" matches several NP agencies
	var word string
	counts := map[string]int{}
	for _, a := range f.demo {
		for _, w := range strings.Fields(a.LegalName) {
			counts[w]++
			if counts[w] >= 3 && len(w) > 5 && word == "" && !strings.ContainsAny(w, "()") {
				word = w
			}
		}
	}
	r := f.say(t, filipino, "AGENCY "+word)
	if !strings.Contains(r.Text, " 1 ") || !strings.Contains(r.Text, " 3 ") || strings.Contains(r.Text, " 4 ") {
		t.Fatalf("no 3 numbered choices for %q: %q", word, r.Text)
	}
	r2 := f.say(t, filipino, "2")
	if !strings.HasPrefix(r2.Text, "LISENSYADO") && !strings.Contains(r2.Text, " - ") {
		t.Fatalf("the second choice got no verdict: %q", r2.Text)
	}
	if r := f.say(t, "+44 7700 900009", "2"); !strings.HasPrefix(r.Text, "Nothing to choose") {
		t.Fatalf("a choice without choices: %q", r.Text)
	}
}

func TestSendAndGets(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	cmp, err := f.fx.Compare(context.Background(), fx.Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500"})
	if err != nil || len(cmp.Quotes) == 0 {
		t.Fatalf("demo feeds have no SGD-PHP quote: %v", err)
	}
	best := cmp.Quotes[0]
	want := fmt.Sprintf("Best: %s. Pay %s SGD, they get %s PHP; cost %s SGD (%s%%).", best.Provider().Name, best.TotalToPay(), best.ReceiveAmount(),
		best.TotalCost(), best.TotalCostPercent())
	for _, text := range []string{"SEND 500 SGD PHP", "send 500 sgd to php", "500 SGD PHP", "sned SGD 500 PHP"} {
		r := f.say(t, "+65 8000 0001", text)
		if !strings.HasPrefix(r.Text, want) || !strings.Contains(r.Text, "https://kawan.example/a/") {
			t.Errorf("%q: %q, want %q…", text, r.Text, want)
		}
	}
	r := f.say(t, "+65 8000 0001", "GETS 20000 PHP FROM SGD")
	rc, err := f.fx.Compare(context.Background(), fx.Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "20000", Mode: "receive"})
	if err != nil || len(rc.Quotes) == 0 {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "Pay "+rc.Quotes[0].TotalToPay()+" SGD") {
		t.Fatalf("gets: %q, want pay %s", r.Text, rc.Quotes[0].TotalToPay())
	}
	if r := f.say(t, "+65 8000 0001", "SEND lots"); !strings.HasPrefix(r.Text, "Send e.g.") {
		t.Fatalf("usage: %q", r.Text)
	}
	if r := f.say(t, "+65 8000 0001", "SEND 500 SGD XAU"); strings.HasPrefix(r.Text, "Best") {
		t.Fatalf("unknown corridor answered a quote: %q", r.Text)
	}
}

func TestHelpQAFromFilipinoNumber(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	r := f.say(t, filipino, "LANG en")
	if !strings.HasPrefix(r.Text, "Language: English") {
		t.Fatal(r.Text)
	}
	r = f.say(t, filipino, "HELP QA")
	if !strings.HasPrefix(r.Text, "QA emergency: 999.") || !strings.Contains(r.Text, "Philippine Embassy") || !strings.Contains(r.Text, "+974 0000 0101") {
		t.Fatalf("help: %q", r.Text)
	}
	if !strings.Contains(r.Text, "(SAMPLE)") || r.Segments > textbot.MaxSegments {
		t.Fatalf("sample data not marked or too long: %q (%d)", r.Text, r.Segments)
	}
	// without LANG, a Filipino number is answered in Filipino
	r = f.say(t, "+63 917 000 0002", "tulong qatar")
	if !strings.HasPrefix(r.Text, "Emergency sa QA: 999.") || r.Lang != "fil" {
		t.Fatalf("fil help: %q", r.Text)
	}
	r = f.say(t, filipino, "RIGHTS QA")
	if !strings.Contains(r.Text, "/a/") || r.Segments > textbot.MaxSegments || len(r.Text) < 60 {
		t.Fatalf("rights: %q", r.Text)
	}
}

func TestLanguagesAndMenu(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	for _, l := range textbot.Languages {
		r := f.say(t, "+44 7700 900100", "LANG "+l)
		if r.Lang != l {
			t.Fatalf("LANG %s answered in %s: %q", l, r.Lang, r.Text)
		}
		m := f.say(t, "+44 7700 900100", "MENU")
		if m.Lang != l || !strings.HasPrefix(m.Text, "Kawan:") || m.Segments > 2 {
			t.Fatalf("menu in %s: %q (%d segments)", l, m.Text, m.Segments)
		}
	}
	if r := f.say(t, "+44 7700 900100", "भाषा ne"); r.Lang != "ne" || !strings.Contains(r.Text, "नेपाली") {
		t.Fatalf("भाषा ne: %q", r.Text)
	}
	if r := f.say(t, "+44 7700 900100", "LANG xx"); !strings.Contains(r.Text, "en fil id ne my km vi th") {
		t.Fatalf("LANG xx: %q", r.Text)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100})
	a := f.licensed(t, "KH")
	cases := map[string]string{
		"empty":        "",
		"spaces":       " \t\n ",
		"5000 chars":   strings.Repeat("check ", 900),
		"binary":       "\x00\x01\xff\xfe check \xc3\x28",
		"mixed script": "ពិនិត្យ " + a.Licences[0].Number + " जाँच ตรวจ",
		"emoji":        "🙏🙏🙏 help 🇶🇦",
		"rtl":          "\u202echeck\u202c " + a.Licences[0].Number,
	}
	for name, text := range cases {
		r := f.say(t, "+855 12 000 001", text)
		if r.Text == "" || r.Segments > textbot.MaxSegments || r.Segments < 1 {
			t.Errorf("%s: %q (%d segments)", name, r.Text, r.Segments)
		}
	}
	if r := f.say(t, "+855 12 000 001", cases["mixed script"]); !strings.Contains(r.Text, "/a/") || r.Lang != "km" {
		t.Errorf("mixed script check not answered in Khmer: %q", r.Text)
	}
}

func TestFloodAnsweredOnceThenSilent(t *testing.T) {
	f := newFixture(t, textbot.Options{Every: time.Hour, Burst: 3})
	for i := range 3 {
		if r := f.say(t, nepali, "MENU"); r.Silent || r.Command != "menu" {
			t.Fatalf("message %d limited: %+v", i, r)
		}
	}
	r := f.say(t, nepali, "MENU")
	if r.Silent || r.Command != "limited" || !strings.Contains(r.Text, "मिनेट") {
		t.Fatalf("over the limit, not told once: %+v", r)
	}
	for range 50 {
		if r := f.say(t, nepali, "MENU"); !r.Silent {
			t.Fatalf("flood answered again: %+v", r)
		}
	}
	// another channel, another sender: not limited
	if r, _ := f.eng.Answer(context.Background(), textbot.Message{Channel: "telegram", Sender: "12345", Text: "MENU"}); r.Silent {
		t.Fatal("telegram limited by the SMS flood")
	}
	if r := f.say(t, filipino, "MENU"); r.Silent {
		t.Fatal("another sender limited")
	}
}

func TestSessionKeyedByHMACAndExpires(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, textbot.Options{Now: clock, Burst: 100})
	f.say(t, "+977 980 000 0042", "LANG th")
	key := f.eng.SenderKey(textbot.Message{Sender: "+977-980-000-0042", Phone: true})
	s, ok, err := f.sessions.Session(context.Background(), key, now)
	if err != nil || !ok || s.Lang != "th" || s.Country != "NP" || strings.Contains(s.Key, "977") || !strings.HasPrefix(s.Key, "ct1.") {
		t.Fatalf("session %+v %v %v", s, ok, err)
	}
	if r := f.say(t, "+977 980 000 0042", "MENU"); r.Lang != "th" {
		t.Fatalf("language not kept: %s", r.Lang)
	}
	mu.Lock()
	now = now.Add(textbot.SessionTTL + time.Minute)
	mu.Unlock()
	if r := f.say(t, "+977 980 000 0042", "MENU"); r.Lang != "ne" {
		t.Fatalf("a day later the session should be gone: answered in %s", r.Lang)
	}
}

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		s     string
		enc   textbot.Encoding
		units int
		n     int
	}{
		{strings.Repeat("a", 160), textbot.GSM7, 160, 1},
		{strings.Repeat("a", 161), textbot.GSM7, 161, 2},
		{strings.Repeat("a", 159) + "€", textbot.GSM7, 161, 2},
		{strings.Repeat("क", 70), textbot.UCS2, 70, 1},
		{strings.Repeat("क", 71), textbot.UCS2, 71, 2},
		{strings.Repeat("a", 69) + "🙏", textbot.UCS2, 71, 2},
		{strings.Repeat("ก", 201), textbot.UCS2, 201, 3},
	} {
		enc, units, n := textbot.Measure(c.s)
		if enc != c.enc || units != c.units || n != c.n {
			t.Errorf("%.12q…: %s %d %d, want %s %d %d", c.s, enc, units, n, c.enc, c.units, c.n)
		}
	}
	long := textbot.Fit(strings.Repeat("नमस्ते ", 100), "https://kawan.example/a/abcdef")
	if _, _, n := textbot.Measure(long); n != textbot.MaxSegments || !strings.HasSuffix(long, "… https://kawan.example/a/abcdef") {
		t.Fatalf("fit: %d segments %q", n, long)
	}
}

func TestChannelLimit(t *testing.T) {
	f := newFixture(t, textbot.Options{Burst: 100, ChannelEvery: time.Hour, ChannelBurst: 4})
	for i := range 4 {
		if r := f.say(t, fmt.Sprintf("+63917000%04d", i), "MENU"); r.Silent {
			t.Fatalf("message %d limited", i)
		}
	}
	if r := f.say(t, "+639170009999", "MENU"); !r.Silent {
		t.Fatalf("a fifth sender past the channel's limit was answered: %q", r.Text)
	}
	if r, _ := f.eng.Answer(context.Background(), textbot.Message{Channel: "telegram", Sender: "1", Text: "MENU"}); r.Silent {
		t.Fatal("another channel limited")
	}
}
