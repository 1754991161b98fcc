package agencies_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func benchService(b *testing.B) *agencies.Service {
	b.Helper()
	s := storetest.New(b)
	idx, err := search.Open(context.Background(), search.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = idx.Close() })
	return agencies.New(store.NewAgencies(s.DB()), idx, agencies.Options{})
}

// BenchmarkImport imports a 1,000-row generic list into an empty registry (first import)
// and again (the idempotent re-import, nothing written), reporting rows/s.
func BenchmarkImport(b *testing.B) {
	var csv bytes.Buffer
	if err := agencies.WriteGenericCSV(&csv, agencies.DemoAgencies(1000, 9, time.Now())); err != nil {
		b.Fatal(err)
	}
	opts := agencies.ImportOptions{ParseOptions: agencies.ParseOptions{RetrievedAt: time.Now()}}
	b.Run("first", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			b.StopTimer()
			svc := benchService(b)
			b.StartTimer()
			rep, err := svc.Import(context.Background(), "generic", csv.Bytes(), opts)
			if err != nil || rep.Created != 1000 {
				b.Fatalf("%+v %v", rep, err)
			}
			rows += rep.Rows
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("again", func(b *testing.B) {
		svc := benchService(b)
		if _, err := svc.Import(context.Background(), "generic", csv.Bytes(), opts); err != nil {
			b.Fatal(err)
		}
		rows := 0
		for b.Loop() {
			rep, err := svc.Import(context.Background(), "generic", csv.Bytes(), opts)
			if err != nil || rep.Unchanged != 1000 {
				b.Fatalf("%+v %v", rep, err)
			}
			rows += rep.Rows
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkParse is the parser alone on the same 1,000-row list.
func BenchmarkParse(b *testing.B) {
	var csv bytes.Buffer
	if err := agencies.WriteGenericCSV(&csv, agencies.DemoAgencies(1000, 9, time.Now())); err != nil {
		b.Fatal(err)
	}
	p, _ := agencies.LookupProfile("generic")
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		parsed, err := agencies.ParseList(p, csv.Bytes(), agencies.ParseOptions{RetrievedAt: time.Now()})
		if err != nil || len(parsed.Rows) != 1000 {
			b.Fatal(err)
		}
		rows += len(parsed.Rows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReindex rebuilds the index of 5,000 agencies from the database (kawan reindex).
func BenchmarkReindex(b *testing.B) {
	svc := benchService(b)
	if _, err := svc.LoadDemo(context.Background(), agencies.DemoAgencies(5000, 5, time.Now())); err != nil {
		b.Fatal(err)
	}
	docs := 0
	cpu0 := cpuTime()
	for b.Loop() {
		n, err := svc.Reindex(context.Background(), nil)
		if err != nil || n != 5000 {
			b.Fatalf("%d %v", n, err)
		}
		docs += n
	}
	b.ReportMetric(float64(docs)/b.Elapsed().Seconds(), "docs/s")
	// CPU time (this process: the embedded FerretDB included) does not grow when other
	// programs compete for the machine, unlike wall-clock time.
	b.ReportMetric(float64(docs)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dmwRegistry generates a fictional PH DMW registry of n records in the JSON API's shape,
// 50 per page, pages concatenated (as a scheduled source or `kawan import` reads it): every
// status word, the 1901 sentinel, shared e-mails, one "… INC" / "… INC." pair in fifty.
func dmwRegistry(n int) []byte {
	words := []string{"BAYAN", "LUZON", "MINDANAO", "ILOG", "BUKID", "DAGAT", "ARAW", "BITUIN", "TALA", "ALON", "HANGIN", "LUPA", "BUNDOK", "ILAW", "PAG-ASA", "SINAG"}
	kinds := []string{"MANPOWER SERVICES", "OVERSEAS PLACEMENT", "INTERNATIONAL RECRUITMENT", "MANNING", "HUMAN RESOURCES", "EMPLOYMENT AGENCY"}
	classes := []string{"Private Employment Agency", "Manning Agency", "Service Contractor", "Construction Contractor", "Authority to negotiate"}
	statuses := []string{"Valid License", "Valid License", "Valid License", "Valid License - Provisional", "Cancelled", "Delisted", "Expired", "Expired",
		"Denied Renewal", "Forever Banned", "Ceased Operations", "Inactive", "Suspended (Document Processing)"}
	var b bytes.Buffer
	total := n
	for page := 0; n > 0; page++ {
		fmt.Fprintf(&b, `{"meta":{"current_page":%d,"per_page":50,"total":%d},"data":[`, page+1, total)
		for i := 0; i < 50 && n > 0; i, n = i+1, n-1 {
			k := page*50 + i
			name := fmt.Sprintf("%s %s %s %d INC", words[k%len(words)], words[(k/16)%len(words)], kinds[k%len(kinds)], k)
			st := statuses[k%len(statuses)]
			if k%50 == 49 { // the previous record again, provisional, with a final "."
				name = fmt.Sprintf("%s %s %s %d INC.", words[(k-1)%len(words)], words[((k-1)/16)%len(words)], kinds[(k-1)%len(kinds)], k-1)
				st = "Valid License - Provisional"
			}
			date := fmt.Sprintf(`"20%02d-%02d-%02dT00:00:00.000Z"`, 10+k%16, 1+k%12, 1+k%28)
			if k%7 == 0 {
				date = `"1901-01-01T00:00:00.000Z"`
			}
			if i > 0 {
				b.WriteByte(',')
			}
			cls := classes[k%len(classes)]
			if k%50 == 49 {
				cls = classes[(k-1)%len(classes)]
			}
			fmt.Fprintf(&b, `{"name":%q,"classification":%q,"license_status":%q,"license_status_date":%s,"license_expiration_date":"2029-%02d-%02dT00:00:00.000Z",`+
				`"is_valid":%t,"representative":null,"address":"%d RIZAL ST.","municipality_province":"N.S. (Municipality Not Stated)","city_province":"MANILA",`+
				`"contact_number":"(02) 8555-%04d/0917-555-%04d","eMail":"hr%d@example.ph","data_as_of":"2026-09-07T00:00:00.000Z"}`,
				name, cls, st, date, 1+k%12, 1+k%28, strings.HasPrefix(st, "Valid"), k, k, k, k/2)
		}
		b.WriteString("]}\n")
	}
	return b.Bytes()
}

// BenchmarkImportDMWRegistry imports a DMW-sized registry (3,800 fictional records) into an
// empty registry and again (nothing changes). Run once: go test ./agencies/ -run XXX
// -bench ImportDMWRegistry -benchtime 1x.
func BenchmarkImportDMWRegistry(b *testing.B) {
	data := dmwRegistry(3800)
	opts := agencies.ImportOptions{ParseOptions: agencies.ParseOptions{RetrievedAt: time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)}}
	b.Run("first", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			svc := benchService(b)
			cpu0 := cpuTime()
			b.StartTimer()
			rep, err := svc.Import(context.Background(), "ph-dmw", data, opts)
			if err != nil || rep.Rejected != 0 || rep.Created != 3800-3800/50 {
				b.Fatalf("%s %+v %v", rep.Summary(), rep.Errors, err)
			}
			cpu += cpuTime() - cpu0
		}
		b.ReportMetric(float64(3800*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("again", func(b *testing.B) {
		svc := benchService(b)
		if _, err := svc.Import(context.Background(), "ph-dmw", data, opts); err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		for b.Loop() {
			rep, err := svc.Import(context.Background(), "ph-dmw", data, opts)
			if err != nil || rep.Unchanged != 3800 {
				b.Fatalf("%s %v", rep.Summary(), err)
			}
		}
		b.ReportMetric(float64(3800*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
}
