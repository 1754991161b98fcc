package textbot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kawan-labs/kawan/textbot"
)

// FuzzParse: any message parses to a command without panicking, with valid UTF-8 and
// ASCII-digit amounts; any body fits MaxSegments with its link. Seeds are in
// testdata/fuzz/FuzzParse and below.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "check DEMO-NP-१०१२", "SEND 500 SGD PHP", "gets 20,000 php from sgd", "HELP QA", "ตรวจDEMO-TH-1000",
		"LANG ne", "2", "\xff\xfe", "ពិនិត្យ ១២៣៤", "sgd500 php", "१२३४ QAR NPR", "chek 1234-LB-123", strings.Repeat("a ", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := textbot.Parse(s)
		if c.Kind == "" {
			t.Fatalf("%q: no kind", s)
		}
		if !utf8.ValidString(c.Arg) {
			t.Fatalf("%q: invalid UTF-8 arg %q", s, c.Arg)
		}
		for _, r := range c.Amount {
			if !(r >= '0' && r <= '9' || r == '.') {
				t.Fatalf("%q: amount %q", s, c.Amount)
			}
		}
		if c.Choice < 0 || c.Choice > 9 {
			t.Fatalf("%q: choice %d", s, c.Choice)
		}
		out := textbot.Fit(strings.ToValidUTF8(s, ""), "https://kawan.example/a/abcdef")
		if _, _, n := textbot.Measure(out); n > textbot.MaxSegments {
			t.Fatalf("%q: %d segments", s, n)
		}
	})
}

func TestParseForgiving(t *testing.T) {
	for text, want := range map[string]textbot.Command{
		"check DEMO-NP-१०१२":       {Kind: textbot.CmdCheck, Arg: "demo-np-1012"},
		"LICENCE ၁၂၃၄":             {Kind: textbot.CmdCheck, Arg: "1234"},
		"licnse 12":                {Kind: textbot.CmdCheck, Arg: "12"},
		"ตรวจ๑๒๓๔":                 {Kind: textbot.CmdCheck, Arg: "1234"},
		"ពិនិត្យ ១២៣៤":             {Kind: textbot.CmdCheck, Arg: "1234"},
		"যাচাই ১২৩৪":               {Kind: textbot.CmdCheck, Arg: "যাচাই 1234"},
		"agensy everest":           {Kind: textbot.CmdAgency, Arg: "everest"},
		"SEND 1,500.50 SGD TO PHP": {Kind: textbot.CmdSend, Amount: "1500.50", From: "SGD", To: "PHP"},
		"500 sgd php":              {Kind: textbot.CmdSend, Amount: "500", From: "SGD", To: "PHP"},
		"GETS 20000 PHP FROM SGD":  {Kind: textbot.CmdGets, Amount: "20000", From: "SGD", To: "PHP"},
		"पठाउ ५०० QAR NPR":         {Kind: textbot.CmdSend, Amount: "500", From: "QAR", To: "NPR"},
		"help qa":                  {Kind: textbot.CmdHelp, Country: "QA", Arg: "qa"},
		"qatar":                    {Kind: textbot.CmdHelp, Country: "QA"},
		"RIGHTS QA":                {Kind: textbot.CmdRights, Country: "QA", Arg: "qa"},
		"lang nepali":              {Kind: textbot.CmdLang, Lang: "ne", Arg: "nepali"},
		"3":                        {Kind: textbot.CmdChoice, Choice: 3},
		"":                         {Kind: textbot.CmdMenu},
		"checking my account":      {Kind: textbot.CmdUnknown, Arg: "checking my account"},
	} {
		got := textbot.Parse(text)
		got.Script = ""
		if got != want {
			t.Errorf("%q: %+v, want %+v", text, got, want)
		}
	}
}
