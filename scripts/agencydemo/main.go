// Command agencydemo writes a fictional agency registry as a CSV list in the importer's
// generic profile: names end in "(Demo)", licence numbers start with "DEMO-", sources are
// the regulators' real list pages. Load it with
//
//	go run ./scripts/agencydemo -n 3000 > /tmp/demo.csv
//	kawan import agencies --profile generic --fictional /tmp/demo.csv
//
// (A first start of Kawan loads 200 of these by itself.)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kawan-labs/kawan/agencies"
)

func main() {
	n := flag.Int("n", 3000, "agencies to generate (1–200000)")
	seed := flag.Uint64("seed", 2026, "random seed (same seed, same list)")
	flag.Parse()
	if *n < 1 || *n > agencies.MaxImportRows {
		fmt.Fprintf(os.Stderr, "agencydemo: -n must be 1..%d\n", agencies.MaxImportRows)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := agencies.WriteGenericCSV(w, agencies.DemoAgencies(*n, *seed, time.Now())); err == nil {
		err = w.Flush()
	} else {
		fmt.Fprintln(os.Stderr, "agencydemo:", err)
		os.Exit(1)
	}
}
