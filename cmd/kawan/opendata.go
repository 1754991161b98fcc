package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kawan-labs/kawan/stats"
)

// openDataGroupings are the review-table groupings `kawan stats` writes (any other is
// available from the API).
var openDataGroupings = [][]string{
	nil, {"origin"}, {"destination"}, {"origin", "destination"}, {"origin", "destination", "sector"},
	{"origin", "destination", "year"}, {"origin", "destination", "sector", "year"},
}

// complaintGroupings are the complaints table's groupings in a release.
var complaintGroupings = [][]string{
	nil, {"year"}, {"destination"}, {"nationality"}, {"fact"}, {"year", "destination", "nationality", "fact"}, {"agency", "year"},
}

// runOpenData (kawan stats) writes a release of the open data to a directory: every review table at the
// standard groupings, the complaints table at its groupings and the remittance costs by month, as CSV, with the catalogue (schema,
// licence, k) as catalogue.json.
func runOpenData(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("dir", "", "directory to write the CSV files and catalogue.json into (created if missing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if *dir == "" || fs.NArg() > 0 {
		return usageError{"usage: kawan stats --dir DIR"}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	a, closeApp, err := openForTool(ctx, e)
	if err != nil {
		return err
	}
	defer closeApp()
	if _, err := a.Stats.Refresh(ctx); err != nil {
		return err
	}
	write := func(name string, data []byte) error {
		path := filepath.Join(*dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, path)
		return nil
	}
	cat, _ := json.MarshalIndent(a.Stats.Catalogue(), "", "  ")
	if err := write("catalogue.json", append(cat, '\n')); err != nil {
		return err
	}
	for _, name := range []string{stats.TableRecruitmentFees, stats.TableSDG1071, stats.TableAgencyReviews} {
		for _, by := range openDataGroupings {
			if name == stats.TableAgencyReviews && len(by) > 2 {
				continue
			}
			tb, err := a.Stats.ReviewTable(ctx, name, stats.Query{By: by})
			if err != nil {
				return err
			}
			suffix := "total"
			if len(by) > 0 {
				suffix = "by_" + strings.Join(by, "_")
			}
			if err := write(name+"_"+suffix+".csv", tb.CSV()); err != nil {
				return err
			}
		}
	}
	for _, by := range complaintGroupings {
		tb, err := a.Stats.ReviewTable(ctx, stats.TableComplaints, stats.Query{By: by})
		if err != nil {
			return err
		}
		suffix := "total"
		if len(by) > 0 {
			suffix = "by_" + strings.Join(by, "_")
		}
		if err := write(stats.TableComplaints+"_"+suffix+".csv", tb.CSV()); err != nil {
			return err
		}
	}
	tb, err := a.Stats.RemittanceCosts(ctx, stats.CostQuery{Period: "month", Since: a.Stats.Now().AddDate(0, 0, -365).Format("2006-01-02")})
	if err != nil {
		return err
	}
	if err := write(stats.TableRemittanceCosts+"_by_month.csv", tb.CSV()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "open data written (licence %s, k = %d)\n", stats.DataLicence.Name, a.Stats.K())
	return nil
}
