package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/kawan-labs/kawan/rpw"
)

// runImportRPW (kawan import rpw FILE) imports the World Bank's Remittance Prices Worldwide
// survey: the workbook as published (sheet "Dataset (from Q2 2016)") or its CSV export. The
// whole file is checked first; any error (each naming its row and column) leaves the stored
// survey as it was.
func runImportRPW(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import rpw", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sheet := fs.String("sheet", rpw.DatasetSheet, "the workbook sheet holding the dataset")
	periods := fs.String("period", "", "import only these periods, comma separated (like 2025_3Q); default every period in the file")
	dry := fs.Bool("dry-run", false, "check the file and print what would change; write nothing")
	fictional := fs.Bool("fictional", false, "mark the surveys as fictional (demo and test files)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: kawan import rpw [flags] FILE\n\nFILE is rpw_dataset_2011_YYYY_qN.xlsx as the World Bank publishes it, or its CSV export.\nThe file's periods replace those periods of the stored survey; other periods are kept.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"give exactly one FILE"}
	}
	var only []string
	for _, p := range strings.Split(*periods, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if len(p) != 7 || p[4] != '_' || p[6] != 'Q' {
				return usageError{fmt.Sprintf("--period %q: give survey periods like 2025_3Q", p)}
			}
			only = append(only, p)
		}
	}
	path := fs.Arg(0)
	start := time.Now()
	bar := &progressBar{w: e.stderr, label: "reading rows"}
	var last time.Time
	progress := func(done, total int) {
		if total > 0 && done <= total {
			bar.update(done, total)
		} else if time.Since(last) > 200*time.Millisecond { // the sheet declares no size: count only
			last = time.Now()
			fmt.Fprintf(e.stderr, "\rreading rows: %d", done)
		}
	}
	parsed, err := rpw.ReadFile(path, rpw.ReadOptions{Sheet: *sheet, Periods: only, Progress: progress})
	if err != nil {
		var pe *rpw.ParseError
		if errors.As(err, &pe) && len(pe.Errors) > 0 {
			fmt.Fprintln(e.stderr)
			for _, re := range pe.Errors {
				fmt.Fprintf(e.stdout, "%s\n", re)
			}
			return fmt.Errorf("%s: %d errors, nothing imported (the stored survey is unchanged)", path, pe.Count)
		}
		return err
	}
	read := time.Since(start)
	for _, n := range parsed.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	if parsed.NNotes > len(parsed.Notes) {
		fmt.Fprintf(e.stdout, "note: and %d more rows without a value at USD 200\n", parsed.NNotes-len(parsed.Notes))
	}
	fmt.Fprintf(e.stdout, "%s: %d rows read in %s, %d services kept in %d corridor surveys\n", path, parsed.Rows, read.Round(time.Millisecond), parsed.Kept, len(parsed.Surveys))
	if len(parsed.Surveys) == 0 {
		return fmt.Errorf("%s: no survey rows to import", path)
	}
	a, closeApp, err := openForTool(ctx, e)
	if err != nil {
		return err
	}
	defer closeApp()
	wbar := &progressBar{w: e.stderr, label: "writing corridor surveys"}
	rep, err := a.Survey.Import(ctx, parsed, rpw.ImportOptions{Fictional: *fictional, DryRun: *dry, Progress: wbar.update})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, rep.Summary())
	fmt.Fprintf(e.stdout, "source: %s (%s)\n", rpw.Attribution.Text, rpw.Attribution.Licence)
	return nil
}
