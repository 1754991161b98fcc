// Command rpwdemo writes FICTIONAL survey files in the World Bank's Remittance Prices
// Worldwide layout (package rpw/rpwtest): the demo survey Kawan loads on first start
// (rpw/demodata/rpw_demo_fictional.csv, for the demo corridors), or, with -xlsx, a large
// workbook to measure the importer on (the real 2025 Q3 workbook has 204,469 rows, 50.8 MB).
//
//	go run ./scripts/rpwdemo                                  # rewrite the demo CSV
//	go run ./scripts/rpwdemo -xlsx /tmp/rpw_big.xlsx -rows 204469
//
// Every firm is fictional; the numbers are made up (deterministic).
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"

	"github.com/kawan-labs/kawan/rpw/rpwtest"
)

// demoCorridors are the demo's start corridors per language (frontend startCorridors) and a few
// more, with send amounts near USD 200 and USD 500 and a made-up interbank rate.
var demoCorridors = []struct {
	src, srcName, dst, dstName, cur string
	a200, a500, fx                  float64
}{
	{"SGP", "Singapore", "PHL", "Philippines", "SGD", 270, 675, 43.5},
	{"SGP", "Singapore", "IDN", "Indonesia", "SGD", 270, 675, 12150},
	{"SAU", "Saudi Arabia", "PHL", "Philippines", "SAR", 750, 1875, 15.6},
	{"MYS", "Malaysia", "IDN", "Indonesia", "MYR", 940, 2350, 3480},
	{"QAT", "Qatar", "NPL", "Nepal", "QAR", 730, 1820, 37.6},
	{"THA", "Thailand", "MMR", "Myanmar", "THB", 7200, 18000, 58.2},
	{"THA", "Thailand", "KHM", "Cambodia", "THB", 7200, 18000, 113.5},
	{"JPN", "Japan", "VNM", "Viet Nam", "JPY", 30000, 75000, 168.2},
	{"ARE", "United Arab Emirates", "PHL", "Philippines", "AED", 735, 1840, 15.9},
	{"HKG", "Hong Kong SAR, China", "PHL", "Philippines", "HKD", 1560, 3900, 7.5},
}

var firms = []struct{ name, kind, instrument, access, speed, pickup string }{
	{"Lautan Remit (fictional)", "Money Transfer Operator", "Cash", "Agent", "Next day", "Cash"},
	{"Harbour Bank (fictional)", "Bank", "Bank account", "Branch", "2 days", "Bank account"},
	{"Padala Express (fictional)", "Money Transfer Operator", "Debit card", "Online", "Less than one hour", "Mobile money"},
	{"Merlion FX (fictional)", "Money Transfer Operator", "Bank account", "Online", "Same day", "Bank account"},
	{"Kopi Post (fictional)", "Post office", "Cash", "Post office", "3-5 days", "Cash"},
	{"Sahabat Wallet (fictional)", "Mobile Operator", "Mobile money", "Mobile", "Less than one hour", "Mobile money"},
}

func main() {
	out := flag.String("csv", "rpw/demodata/rpw_demo_fictional.csv", "the demo CSV to write")
	xlsx := flag.String("xlsx", "", "write a large workbook here instead")
	rows := flag.Int("rows", 204469, "with -xlsx: data rows")
	flag.Parse()
	if *xlsx != "" {
		if err := rpwtest.WriteWorkbook(*xlsx, nil, big(*rows)); err != nil {
			log.Fatal(err)
		}
		st, _ := os.Stat(*xlsx)
		fmt.Printf("%s: %d rows, %.1f MB\n", *xlsx, *rows, float64(st.Size())/(1<<20))
		return
	}
	if err := os.WriteFile(*out, rpwtest.WriteCSV(nil, demo()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", *out)
}

func demo() []rpwtest.Row {
	r := rand.New(rand.NewPCG(16, 2025))
	var cs []rpwtest.Corridor
	for pi, period := range []string{"2025_1Q", "2025_3Q"} {
		for ci, c := range demoCorridors {
			if pi == 0 && ci > 0 {
				continue // an older period for SGD-PHP only, so the API's periods list has two
			}
			k := rpwtest.Corridor{Period: period, Source: c.src, SourceName: c.srcName, Dest: c.dst, DestName: c.dstName,
				SendCurrency: c.cur, Amount200: c.a200, Amount500: c.a500, FX: c.fx, DateText: []string{"14/Feb/2025", "15/Jul/2025"}[pi]}
			for fi, f := range firms {
				if (ci+fi)%5 == 4 {
					continue // not every firm serves every corridor
				}
				feeBase := c.a200 / 100 * (0.5 + 2.5*r.Float64()) // 0.5%-3% of USD 200
				margin := float64(int((0.3+2.7*r.Float64())*100)) / 100
				fee200 := float64(int(feeBase*100)) / 100
				s := rpwtest.Service{Firm: f.name, FirmType: f.kind, Instrument: f.instrument, Access: f.access, Speed: f.speed,
					Pickup: f.pickup, Transparent: "yes", Fee200: fee200, Margin200: margin, Fee500: fee200, Margin500: max(margin-0.1, 0)}
				if fi == 5 && ci%2 == 0 {
					s.Transparent, s.Margin200, s.Margin500 = "no", 0, 0 // does not disclose its rate
				}
				k.Services = append(k.Services, s)
			}
			cs = append(cs, k)
		}
	}
	return rpwtest.Rows(cs)
}

// big repeats the demo corridors' services over 37 periods (2016_2Q..2025_3Q) until n rows.
func big(n int) []rpwtest.Row {
	r := rand.New(rand.NewPCG(1, 2))
	var periods []string
	for y := 2016; y <= 2025; y++ {
		for q := 1; q <= 4; q++ {
			if (y == 2016 && q == 1) || (y == 2025 && q > 3) {
				continue
			}
			periods = append(periods, fmt.Sprintf("%d_%dQ", y, q))
		}
	}
	var cs []rpwtest.Corridor
	rows := 0
	for i := 0; rows < n; i++ {
		c := demoCorridors[i%len(demoCorridors)]
		k := rpwtest.Corridor{Period: periods[(i/len(demoCorridors))%len(periods)], Source: c.src, SourceName: c.srcName, Dest: c.dst,
			DestName: c.dstName, SendCurrency: c.cur, Amount200: c.a200, Amount500: c.a500, FX: c.fx, AsText: i%9 == 0, DateSerial: i%3 == 0, HelperColumns: i%7 == 0}
		for j := 0; j < 20 && rows < n; j++ {
			f := firms[j%len(firms)]
			margin := float64(int((0.3+2.7*r.Float64())*100)) / 100
			fee := float64(int(c.a200*(0.5+2.5*r.Float64()))) / 100
			k.Services = append(k.Services, rpwtest.Service{Firm: fmt.Sprintf("%s %d", f.name, j), FirmType: f.kind, Instrument: f.instrument,
				Access: f.access, Speed: f.speed, Pickup: f.pickup, Transparent: "yes", Fee200: fee, Margin200: margin, Fee500: fee, Margin500: margin})
			rows++
		}
		cs = append(cs, k)
	}
	return rpwtest.Rows(cs)
}
