package moderation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedactRemovesPII(t *testing.T) {
	cases := []string{
		"call me on +63 917 123 4567 please",
		"my number 0917-123-4567",
		"nepal phone +977 9841234567",
		"write to juan.dela.cruz@example.com",
		"passport P1234567A was kept",
		"passport no PA1234567 kept by agency",
		"bank account 1234 5678 9012",
		"wallet ០៩៨៧៦៥៤៣២១ khmer digits",
		"ဖုန်း ၀၉၁၂၃၄၅၆၇၈ myanmar digits",
		"NID 19901234567890123",
	}
	for _, c := range cases {
		got, red := Redact(c)
		if !red || !strings.Contains(got, Removed) {
			t.Errorf("Redact(%q) = %q, want PII removed", c, got)
		}
	}
}

func TestRedactKeepsOrdinaryNumbers(t *testing.T) {
	cases := []string{
		"I paid 1.500.000 IDR in fees",
		"fee was 150 000 NPR",
		"paid PHP 45,000 in 2019",
		"worked 2018-2021 in Qatar, rating 5/5",
		"salary 1200 QAR promised, got 900",
	}
	for _, c := range cases {
		got, red := Redact(c)
		if red || got != c {
			t.Errorf("Redact(%q) = %q, want unchanged", c, got)
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"", "+", "+1", "0917 123 4567", "a@b.cd", "P1234567A", "١٢٣٤٥٦٧٨", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := Redact(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
	})
}
