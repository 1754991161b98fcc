package moderation

import (
	"strings"
	"testing"
)

// TestRedactForms: every form of personal data of issue 21 is removed, and what must not
// be published (the number, the address) is gone from the output. Fictional numbers.
func TestRedactForms(t *testing.T) {
	cases := []struct {
		form, text string
		gone       []string // substrings that must not survive
	}{
		// digits separated by words
		{"phone split by tapos", "tawagan mo ako 0955 tapos 727 tapos 3851 salamat", []string{"0955", "727", "3851"}},
		{"phone split by then", "call 0917 then 555 then 0142 after 6", []string{"0917", "555", "0142"}},
		{"phone split by any word", "my number 0955 banana 727 banana 3851", []string{"0955", "3851"}},
		{"phone split by lalu", "hubungi 0812 lalu 3456 lalu 7890", []string{"0812", "3456", "7890"}},
		{"phone split by rồi", "gọi 0912 rồi 345 rồi 678", []string{"0912", "345", "678"}},
		{"international split", "whatsapp +63 tapos 917 tapos 555 0199", []string{"917", "0199"}},
		// numbers spelled out
		{"english words", "text me zero nine two four zero zero one two three four five", []string{"zero nine two four"}},
		{"english with double", "call oh nine one seven double five three two one zero", []string{"nine one seven"}},
		{"filipino words", "numero ko sero siyam isa pito lima lima lima dalawa tatlo apat", []string{"siyam isa pito"}},
		{"filipino spanish words", "uno dos tres kwatro singko sais siyete otso", []string{"kwatro singko"}},
		{"indonesian words", "nomor saya nol delapan satu dua tiga empat lima enam tujuh", []string{"delapan satu dua"}},
		{"nepali devanagari words", "मेरो नम्बर नौ आठ चार एक दुई तीन चार पाँच छ सात", []string{"नौ आठ चार"}},
		{"nepali romanised words", "phone garnus nau aath char ek dui tin char panch", []string{"aath char ek"}},
		{"burmese words", "ဖုန်း သုည ကိုး ခုနစ် ရှစ် တစ် နှစ် သုံး လေး ငါး", []string{"ကိုး ခုနစ် ရှစ်"}},
		{"burmese words unspaced", "ဖုန်းသုညကိုးခုနစ်ရှစ်တစ်နှစ်သုံးလေးငါး ပါ", []string{"ကိုးခုနစ်ရှစ်"}},
		{"vietnamese words", "số của tôi không chín một hai ba bốn năm sáu bảy", []string{"chín một hai"}},
		{"thai words", "โทร ศูนย์แปดหนึ่งสองสามสี่ห้าหกเจ็ด นะ", []string{"แปดหนึ่งสอง"}},
		{"khmer words", "លេខ សូន្យ ប្រាំបួន មួយ ពីរ បី បួន ប្រាំ ប្រាំមួយ", []string{"ប្រាំបួន មួយ ពីរ"}},
		{"bengali words", "নম্বর শূন্য এক সাত এক দুই তিন চার পাঁচ", []string{"এক সাত এক"}},
		{"mixed digits and words", "0 nine 1 seven 5 five 5 2 2 3 4", []string{"nine 1 seven"}},
		// e-mails written out
		{"email at dot", "email me at sita.kv1030 at gmail dot com thanks", []string{"sita.kv1030", "gmail"}},
		{"email brackets", "write juan.cruz [at] yahoo [dot] com", []string{"juan.cruz", "yahoo"}},
		{"email parens", "ramesh(at)outlook(dot)com", []string{"ramesh", "outlook"}},
		{"email spelled dots", "siti dot rahma at gmail dot co dot id", []string{"rahma", "gmail"}},
		{"email spaced @", "dewi99 @ gmail . com", []string{"dewi99"}},
		{"email provider only", "contact bishal77 at gmail", []string{"bishal77"}},
		{"email filipino tuldok", "maricel.s at yahoo tuldok com", []string{"maricel.s"}},
		{"email indonesian titik", "rina_ok et gmail titik com", []string{"rina_ok"}},
		{"email vietnamese", "lan.nguyen a còng gmail chấm com", []string{"lan.nguyen"}},
		{"email thai", "somchai แอท gmail ดอท com", []string{"somchai"}},
		{"email nepali", "arjun एट gmail डट com", []string{"arjun"}},
		{"email khmer", "sokha អាត់ gmail ចុច com", []string{"sokha"}},
		// national identity numbers
		{"myanmar nrc latin", "my NRC is 12/OuKaMa(N)246827 please", []string{"246827", "OuKaMa"}},
		{"myanmar nrc spaced", "card 9 / MaHtaLa (N) 123456", []string{"123456"}},
		{"myanmar nrc burmese", "မှတ်ပုံတင် ၁၂/ဥကမ(နိုင်)၂၄၆၈၂၇ ပါ", []string{"၂၄၆၈၂၇"}},
		{"philsys psn", "PhilSys 1234-5678-9012-3456", []string{"9012"}},
		{"philsys pcn", "PCN: 4321 8765 2109 6543", []string{"2109"}},
		{"umid crn", "UMID CRN-0111-2345678-9", []string{"2345678"}},
		{"sss", "SSS no. 34-5678901-2", []string{"5678901"}},
		{"indonesian nik", "NIK 3171234567890001", []string{"3171234567890001"}},
		{"indonesian ktp spaced", "KTP 3171 2345 6789 0001", []string{"6789"}},
		{"nepali citizenship dashed", "citizenship no 27-01-71-01234", []string{"01234"}},
		{"nepali citizenship short", "नागरिकता नं. १२३४५", []string{"१२३४५"}},
		{"nepali citizenship devanagari", "नागरिकता नं. २७-०१-७१-०१२३४", []string{"०१२३४"}},
		{"bangladesh nid 10", "NID 1987654321", []string{"1987654321"}},
		{"bangladesh nid 17 bengali digits", "এনআইডি ১৯৯০১২৩৪৫৬৭৮৯০১২৩", []string{"১৯৯০১২৩৪৫৬৭৮৯০১২৩"}},
		{"sri lanka nic old", "NIC 853400937V issued in Kandy", []string{"853400937"}},
		{"sri lanka nic old bare", "my card 902345678X", []string{"902345678"}},
		{"sri lanka nic new", "NIC 199034567890", []string{"199034567890"}},
		{"vietnam cccd", "CCCD 001203004567", []string{"001203004567"}},
		{"vietnam cmnd", "số CMND 012345678", []string{"012345678"}},
		{"cambodia id", "អត្តសញ្ញាណប័ណ្ណ ០១០២៣៤៥៦៧", []string{"០១០២៣៤៥៦៧"}},
		{"cambodia id latin", "ID card 010234567", []string{"010234567"}},
		{"passport keyword short", "passport no. EC12345", []string{"EC12345"}},
	}
	for _, c := range cases {
		t.Run(c.form, func(t *testing.T) {
			got, red := Redact(c.text)
			if !red || !strings.Contains(got, Removed) {
				t.Fatalf("Redact(%q) = %q: nothing removed", c.text, got)
			}
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("Redact(%q) = %q: %q survived", c.text, got, g)
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
		words := lists[int(style)%len(lists)]
		var planted string
		if words == nil {
			planted = string(ds[:4]) + " tapos " + string(ds[4:7]) + " tapos " + string(ds[7:])
		} else {
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
