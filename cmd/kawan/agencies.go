package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/app"
)

// progressBar draws "label [#####.....] done/total" on w at most every 200 ms (and at the end).
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
}

func (p *progressBar) update(done, total int) {
	if time.Since(p.last) < 200*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	if done >= total {
		fmt.Fprintln(p.w)
	}
}

// openForTool builds the product without demo data (a tool must not load the demo into a
// database it is about to fill with real lists).
func openForTool(ctx context.Context, e *env) (*app.App, func(), error) {
	cfg := *e.cfg
	cfg.Demo = false
	a, err := app.New(ctx, &cfg, e.log)
	if err != nil {
		return nil, nil, err
	}
	return a, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = a.Close(cctx)
	}, nil
}

func runImport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "rpw" {
		return runImportRPW(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "agencies" {
		return usageError{"usage: kawan import agencies --profile NAME [--dry-run] [--retrieved-at YYYY-MM-DD] [--encoding windows-1252] FILE\n" +
			"       kawan import rpw [--sheet NAME] [--period 2025_3Q,...] [--dry-run] [--fictional] FILE"}
	}
	fs := flag.NewFlagSet("import agencies", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	profile := fs.String("profile", "", "column mapping: "+strings.Join(agencies.ProfileNames(), ", "))
	dry := fs.Bool("dry-run", false, "print what would be added or changed; write nothing")
	retrieved := fs.String("retrieved-at", "", "when the list was downloaded from the regulator (default: the file's modification date)")
	encoding := fs.String("encoding", "", "file encoding if not UTF-8: windows-1252 or latin1")
	fictional := fs.Bool("fictional", false, "mark the agencies it creates as fictional (demo and test lists)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: kawan import agencies --profile NAME [flags] FILE (CSV, or JSON for ph-dmw and np-dofe)\n\nProfiles:")
		for _, p := range agencies.Profiles() {
			fmt.Fprintf(e.stderr, "  %-18s %s\n", p.Name, p.Description)
			for _, w := range p.StatusVocabulary() {
				fmt.Fprintf(e.stderr, "  %-18s   %q → %s: %s\n", "", w.Word, w.Status, w.Meaning)
			}
		}
		fmt.Fprintln(e.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 || *profile == "" {
		fs.Usage()
		return usageError{"give --profile and exactly one FILE"}
	}
	if _, err := agencies.LookupProfile(*profile); err != nil {
		return usageError{fmt.Sprintf("--profile must be one of %s", strings.Join(agencies.ProfileNames(), ", "))}
	}
	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if st.Size() > agencies.MaxImportBytes {
		return fmt.Errorf("import: %s is %.1f MB; the importer reads at most %d MB: split the list or export only its columns",
			path, float64(st.Size())/(1<<20), agencies.MaxImportBytes>>20)
	}
	opts := agencies.ImportOptions{DryRun: *dry, Fictional: *fictional,
		ParseOptions: agencies.ParseOptions{Encoding: *encoding, RetrievedAt: st.ModTime().UTC()}}
	if *retrieved != "" {
		t, err := time.Parse("2006-01-02", *retrieved)
		if err != nil {
			return usageError{"--retrieved-at must be a date YYYY-MM-DD"}
		}
		opts.RetrievedAt = t
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	a, closeApp, err := openForTool(ctx, e)
	if err != nil {
		return err
	}
	defer closeApp()
	bar := &progressBar{w: e.stderr, label: "importing rows"}
	opts.Progress = bar.update
	rep, err := a.Agencies.Import(ctx, *profile, data, opts)
	if err != nil {
		var ve *kawan.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) == 1 {
			return fmt.Errorf("%s: %s", path, ve.Fields[0].Reason)
		}
		return err
	}
	for _, c := range rep.Changes {
		verb := "add   "
		if c.Action == "update" {
			verb = "change"
		}
		if rep.DryRun {
			verb = "would " + strings.TrimSpace(verb)
		}
		fmt.Fprintf(e.stdout, "line %d: %s %s", c.Line, verb, c.AgencyID)
		if len(c.Fields) > 0 {
			fmt.Fprintf(e.stdout, " (%s)", strings.Join(c.Fields, ", "))
		}
		fmt.Fprintln(e.stdout)
	}
	for _, m := range rep.Missing {
		fmt.Fprintf(e.stdout, "not on this list any more (kept, not changed): %s\n", m)
	}
	for _, re := range rep.Errors {
		fmt.Fprintf(e.stdout, "line %d: rejected: %s\n", re.Line, re.Reason)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(e.stdout, "line %d: note: %s\n", n.Line, n.Reason)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", w)
	}
	fmt.Fprintln(e.stdout, rep.Summary())
	return nil
}

func runReindex(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("reindex takes no arguments, got %q", args)}
	}
	a, closeApp, err := openForTool(ctx, e)
	if err != nil {
		return err
	}
	defer closeApp()
	start := time.Now()
	bar := &progressBar{w: e.stderr, label: "reindexing agencies"}
	n, err := a.Agencies.Reindex(ctx, bar.update)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(e.stdout, "reindexed %d agencies in %s (%.0f documents/s)\n", n, took.Round(time.Millisecond), float64(n)/max(took.Seconds(), 1e-9))
	return nil
}
