package moderation

import (
	"strings"
	"testing"
)

// TestRedactForms: every form of personal data of issue 21 is removed, and what must not
// be published (the number, the address) is gone from the output. Fictional numbers.
func TestRedactForms(t *testing.T) {
	cases := LoadPIIForms(t)
	if len(cases) < 50 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Form, func(t *testing.T) {
			got, red := Redact(c.Text)
			if !red || !strings.Contains(got, Removed) {
				t.Fatalf("Redact(%q) = %q: nothing removed", c.Text, got)
			}
			for _, g := range c.Gone {
				if strings.Contains(got, g) {
					t.Errorf("Redact(%q) = %q: %q survived", c.Text, got, g)
				}
			}
		})
	}
}

// TestRedactKeepsGenuineFigures: prices, dates, salaries, durations and licence numbers stay.
func TestRedactKeepsGenuineFigures(t *testing.T) {
	for _, c := range []string{
		"I paid PHP 45,000 and then 30,000 more, salary 1,200 SAR",
		"fee 45000 and salary 18000 per month",
		"paid 15000 for 2 agents and 3500 extra",
		"salary 1200 then 1100 then 900 after deductions",
		"left on 12/05/2024 and came back 2025-03-01",
		"contract 01.02.2020-31.01.2022 in Doha",
		"licence POEA-077-LB-121219-R was valid, DMW-103-LB-061525-R too",
		"लाइसेन्स नं. 1234/070/71 को एजेन्सी",
		"license no. 1234/070/71 checked on the site",
		"they charged Rs. 50 000 - 60 000 for the visa",
		"worked 2018 2019 2020 2021 in Qatar",
		"two or three months, one week, four days",
		"Tôi không có hai năm để chờ, một tháng là đủ",
		"ค่าหัว สองหมื่น บาท รอสามเดือน",
		"ပွဲစားခ ကျပ် ငါးသိန်း နှစ်နှစ် စာချုပ်",
		"ថ្លៃ ប្រាំរយ ដុល្លារ រយៈពេល ពីរ ឆ្នាំ",
		"Bayad 1.500.000 rupiah, gaji 6.000.000 sebulan",
		"passport was kept for 2 years",
		"NIK saya tidak diminta",
		"rated 5/5, 4/5 for support",
		"flight at 10:30 on 3 March, arrived 23:45",
	} {
		if got, red := Redact(c); red {
			t.Errorf("Redact(%q) = %q, want unchanged", c, got)
		}
	}
}

// FuzzRedactPlanted plants a fictional phone number, written in one of the forms of
// issue 21, between arbitrary text and checks that it never survives.
func FuzzRedactPlanted(f *testing.F) {
	f.Add("call me", "thanks", uint64(1234567), uint8(0))
	f.Add("", "", uint64(9876543210), uint8(3))
	f.Add("paid 1,200 pesos", "2024-01-01", uint64(5550142), uint8(5))
	f.Add("ဖုန်း", "ပါ", uint64(42), uint8(6))
	f.Fuzz(func(t *testing.T, pre, post string, n uint64, style uint8) {
		ds := []byte("09")
		for range 9 {
			ds = append(ds, byte('0'+n%10))
			n /= 10
		}
		var lists = [][]string{
			strings.Fields("zero one two three four five six seven eight nine"),
			strings.Fields("sero isa dalawa tatlo apat lima anim pito walo siyam"),
			strings.Fields("nol satu dua tiga empat lima enam tujuh delapan sembilan"),
			strings.Fields("không một hai ba bốn năm sáu bảy tám chín"),
			strings.Fields("शून्य एक दुई तीन चार पाँच छ सात आठ नौ"),
			nil, // digits split by words
			strings.Fields("သုည တစ် နှစ် သုံး လေး ငါး ခြောက် ခုနစ် ရှစ် ကိုး"),
			strings.Fields("ศูนย์ หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า"),
		}
		var planted string
		switch k := int(style) % (len(lists) + 2); {
		case k == len(lists): // an e-mail written out
			planted = "u" + string(ds[2:8]) + " at gmail dot com"
		case k == len(lists)+1: // a Myanmar NRC
			planted = string(ds[9:10]) + "/OuKaMa(N)" + string(ds[2:8])
		case lists[k] == nil: // digits split by words
			planted = string(ds[:4]) + " tapos " + string(ds[4:7]) + " tapos " + string(ds[7:])
		default:
			words := lists[k]
			parts := make([]string, len(ds))
			for i, d := range ds {
				parts[i] = words[d-'0']
			}
			planted = strings.Join(parts, " ")
		}
		in := pre + " " + planted + " " + post
		got, _ := Redact(in)
		if !utf8ValidAndBounded(got) {
			t.Fatalf("invalid output for %q", in)
		}
		if strings.Count(got, planted) >= strings.Count(in, planted) && strings.Contains(in, planted) && len(in) < maxRedactInput {
			t.Fatalf("Redact(%q) = %q: the planted number survived", in, got)
		}
	})
}

func utf8ValidAndBounded(s string) bool { return strings.ToValidUTF8(s, "") == s }

// BenchmarkRedact: one typical review (about 400 characters, an amount, a date, a licence
// number and a phone split by words) through every redaction form.
func BenchmarkRedact(b *testing.B) {
	text := "I applied in March 2024 through their office in Cebu and checked their licence DMW-103-LB-061525-R on the site. " +
		"They asked me to pay PHP 45,000 for the placement, with a receipt, and my flight left on 12/05/2024, three days late. " +
		"The contract said 1,500 AED a month and I really got 1,300 AED. Ask them for every receipt. Text me 0955 tapos 727 tapos 3851."
	b.ReportAllocs()
	for b.Loop() {
		Redact(text)
	}
}
