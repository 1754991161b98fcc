package agencies_test

import (
	"bytes"
	"context"
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
