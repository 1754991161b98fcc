package fx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan/fx/demofeeds"
	"github.com/kawan-labs/kawan/internal/fetch"
)

// fetched is one feed as a source returned it.
type fetched struct {
	key  string // stable name of the feed within the service: "<source>|<file>"
	name string // what status shows: the file name or URL
	data []byte
	// unchanged: the source said the feed is as last time (HTTP 304, same file size and time).
	unchanged bool
	// tooBig: the feed exceeded the size limit and was not read whole.
	tooBig bool
	// validator fields remembered for the next conditional fetch.
	etag, lastModified string
	modTime            time.Time
	size               int64
	// shift moves every time in the parsed feed (the demo feeds only).
	shift time.Duration
}

// prior is what the service remembers of a feed between fetches.
type prior struct {
	etag, lastModified string
	modTime            time.Time
	size               int64
}

// source is where feeds come from: a directory, a file, an http(s) URL or the bundled demo.
type source interface {
	id() string
	kind() string
	fetch(ctx context.Context, priors map[string]prior) ([]fetched, error)
}

// feedExt reports whether a file name looks like a feed.
func feedExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".csv", ".xml":
		return true
	}
	return false
}

// newSource makes a source from a KAWAN_FEEDS entry.
func newSource(spec string, client *http.Client, maxBytes int64) (source, error) {
	if strings.Contains(spec, "://") {
		u, err := url.Parse(spec)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("fx: feed source %q: want an http(s) URL, a directory or a file", redactURL(spec))
		}
		return &httpSource{url: spec, client: client, maxBytes: maxBytes}, nil
	}
	fi, err := os.Stat(spec)
	if err != nil {
		// A missing path may appear later (a mounted volume): treat it as a directory that
		// fails until it exists, so the failure shows in the feed status.
		return &dirSource{path: spec, maxBytes: maxBytes}, nil
	}
	if fi.IsDir() {
		return &dirSource{path: spec, maxBytes: maxBytes}, nil
	}
	return &fileSource{path: spec, maxBytes: maxBytes}, nil
}

type dirSource struct {
	path     string
	maxBytes int64
}

func (d *dirSource) id() string   { return d.path }
func (d *dirSource) kind() string { return "directory" }

func (d *dirSource) fetch(ctx context.Context, priors map[string]prior) ([]fetched, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("fx: read feed directory: %w", errors.Unwrap(err))
	}
	var out []fetched
	for _, e := range entries {
		if e.IsDir() || !feedExt(e.Name()) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if len(out) >= 1000 {
			break
		}
		f, err := readFile(filepath.Join(d.path, e.Name()), d.id()+"|"+e.Name(), e.Name(), d.maxBytes, priors)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return out, nil
}

func readFile(path, key, name string, maxBytes int64, priors map[string]prior) (fetched, error) {
	var pv *fetch.Validators
	if p, ok := priors[key]; ok {
		pv = &fetch.Validators{ModTime: p.modTime, Size: p.size}
	}
	res, err := fetch.File(path, maxBytes, pv)
	if err != nil {
		return fetched{key: key, name: name}, fmt.Errorf("fx: feed %s: %w", name, err)
	}
	return fromResult(key, name, res), nil
}

// fromResult is a fetched feed from what the fetch package read.
func fromResult(key, name string, r fetch.Result) fetched {
	return fetched{key: key, name: name, data: r.Data, unchanged: r.Unchanged, tooBig: r.TooBig,
		etag: r.ETag, lastModified: r.LastModified, modTime: r.ModTime, size: r.Size}
}

type fileSource struct {
	path     string
	maxBytes int64
}

func (s *fileSource) id() string   { return s.path }
func (s *fileSource) kind() string { return "file" }

func (s *fileSource) fetch(_ context.Context, priors map[string]prior) ([]fetched, error) {
	f, err := readFile(s.path, s.id()+"|"+filepath.Base(s.path), filepath.Base(s.path), s.maxBytes, priors)
	if err != nil {
		return nil, err
	}
	return []fetched{f}, nil
}

type httpSource struct {
	url      string
	client   *http.Client
	maxBytes int64
}

func (s *httpSource) id() string   { return redactURL(s.url) }
func (s *httpSource) kind() string { return "url" }

func (s *httpSource) fetch(ctx context.Context, priors map[string]prior) ([]fetched, error) {
	key := s.id() + "|"
	req := fetch.Request{URL: s.url, Accept: "application/json, text/csv, application/xml;q=0.9, */*;q=0.1",
		UserAgent: "kawan-fx-refresher/1", MaxBytes: s.maxBytes}
	if p, ok := priors[key]; ok {
		req.Prior = &fetch.Validators{ETag: p.etag, LastModified: p.lastModified}
	}
	res, err := fetch.URL(ctx, s.client, req)
	if err != nil {
		return nil, fmt.Errorf("fx: feed: %w", err)
	}
	return []fetched{fromResult(key, s.id(), res)}, nil
}

// redactURL drops user info and the query (either may hold a token) from a URL for display.
func redactURL(s string) string { return fetch.Redact(s) }

// DemoSource is the KAWAN_FEEDS entry naming the bundled demo feeds (also the default).
const DemoSource = "demo"

// demoSource serves the bundled fictional feeds, shifted in time so they look as fresh
// as at demofeeds.Epoch.
type demoSource struct{ now func() time.Time }

func (d *demoSource) id() string   { return DemoSource }
func (d *demoSource) kind() string { return "bundled demo (fictional)" }

func (d *demoSource) fetch(context.Context, map[string]prior) ([]fetched, error) {
	shift := d.now().Truncate(time.Minute).Sub(demofeeds.Epoch)
	var out []fetched
	err := eachDemoFeed(func(name string, data []byte) error {
		out = append(out, fetched{key: DemoSource + "|" + name, name: name, data: data, shift: shift})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b fetched) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// eachDemoFeed calls fn with every bundled fictional feed file.
func eachDemoFeed(fn func(name string, data []byte) error) error {
	entries, err := fs.ReadDir(demofeeds.FS, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !feedExt(e.Name()) {
			continue
		}
		data, err := demofeeds.FS.ReadFile(e.Name())
		if err != nil {
			return err
		}
		if err := fn(e.Name(), data); err != nil {
			return err
		}
	}
	return nil
}

// DemoFeeds parses the bundled fictional feeds as they were at demofeeds.Epoch (tests,
// benchmarks and tools; the service reads them through its demo source). An error names
// the file.
func DemoFeeds() (providers, rates []*Feed, err error) {
	err = eachDemoFeed(func(name string, data []byte) error {
		f, err := ParseFeed(data, ParseOptions{Now: demofeeds.Epoch})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if f.IsRates() {
			rates = append(rates, f)
		} else {
			providers = append(providers, f)
		}
		return nil
	})
	return providers, rates, err
}

// DemoSnapshot is the bundled fictional feeds as one snapshot built at at.
func DemoSnapshot(at time.Time) (*Snapshot, error) {
	provs, rates, err := DemoFeeds()
	if err != nil {
		return nil, err
	}
	return BuildSnapshot(provs, rates, DefaultBounds, at), nil
}

// shiftTimes moves every time in a feed by d.
func (f *Feed) shiftTimes(d time.Duration) {
	for i := range f.Offers {
		f.Offers[i].GeneratedAt = f.Offers[i].GeneratedAt.Add(d)
	}
	for i := range f.RateSets {
		f.RateSets[i].AsOf = f.RateSets[i].AsOf.Add(d)
	}
}
