package rpw_test

import (
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/rpw/rpwtest"
)

// benchWorkbook is a generated FICTIONAL workbook of the real one's size class (204,469 rows
// like the 2025 Q3 release), written once to the temporary directory (never committed), or
// the file RPW_BENCH_XLSX names.
func benchWorkbook(b *testing.B) string {
	if p := os.Getenv("RPW_BENCH_XLSX"); p != "" {
		return p
	}
	path := filepath.Join(os.TempDir(), "kawan_rpw_bench_204469.xlsx")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("generating %s (once)", path)
	if err := rpwtest.WriteWorkbook(path+".tmp.xlsx", nil, benchRows(204469)); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp.xlsx", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchRows repeats the fixture's corridors over many periods and firms.
func benchRows(n int) []rpwtest.Row {
	base := fixture()
	var cs []rpwtest.Corridor
	rows := 0
	for i := 0; rows < n; i++ {
		c := base[i%len(base)]
		y, q := 2016+(i/len(base))%10, 1+(i/(10*len(base)))%4
		c.Period = string(rune('0'+y/1000)) + string(rune('0'+y/100%10)) + string(rune('0'+y/10%10)) + string(rune('0'+y%10)) + "_" + string(rune('0'+q)) + "Q"
		c.Source = c.Source[:2] + string(rune('A'+i%26))
		if c.Source == "KSV" || c.Source[:2] == "DE" {
			c.Source = "DEU"
		}
		for j := 0; j < 3; j++ { // 3 × the corridor's services, each its own firm
			for _, s := range c.Services {
				s.Firm += string(rune('A' + j))
				c.Services = append(c.Services, s)
			}
		}
		cs = append(cs, c)
		rows += len(c.Services)
	}
	out := rpwtest.Rows(cs)
	return out[:n]
}

// BenchmarkReadWorkbook50MB reads and checks the whole generated workbook: ns/op is the
// parse time, B/op and allocs/op what it allocates in all, and peak-heap-MB the largest heap
// seen while it ran (sampled every 5 ms).
func BenchmarkReadWorkbook50MB(b *testing.B) {
	path := benchWorkbook(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	var p *rpw.Parsed
	for b.Loop() {
		var err error
		if p, err = rpw.ReadFile(path, rpw.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(done)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(float64(p.Rows), "rows")
}
