// Package fetch reads a document from a file or an http(s) URL the way Kawan's scheduled
// sources do (remittance feeds, regulators' registries): conditionally (ETag and
// Last-Modified for URLs, size and modification time for files), bounded in size, and
// without ever repeating a URL's credentials or query in an error.
package fetch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Validators are what a source remembers of a document between fetches, to ask for it
// only if it changed.
type Validators struct {
	ETag, LastModified string
	ModTime            time.Time
	Size               int64
}

// Result is one fetched document.
type Result struct {
	Data []byte
	// Unchanged: the source said the document is as last time (HTTP 304, or the same file
	// size and modification time); Data is empty.
	Unchanged bool
	// TooBig: the document exceeded the size limit and was not read whole; Data is empty.
	TooBig bool
	// Validators to remember for the next conditional fetch.
	Validators
}

// ReadBounded reads at most max bytes; tooBig reports that there was more.
func ReadBounded(r io.Reader, max int64) (data []byte, tooBig bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > max {
		return nil, true, nil
	}
	return data, false, nil
}

// File reads path unless it has the size and modification time in prior.
func File(path string, maxBytes int64, prior *Validators) (Result, error) {
	var res Result
	fh, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("open: %w", unwrap(err))
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return res, fmt.Errorf("stat: %w", err)
	}
	res.ModTime, res.Size = fi.ModTime(), fi.Size()
	if prior != nil && prior.ModTime.Equal(res.ModTime) && prior.Size == res.Size {
		res.Unchanged = true
		return res, nil
	}
	if fi.Size() > maxBytes {
		res.TooBig = true
		return res, nil
	}
	res.Data, res.TooBig, err = ReadBounded(fh, maxBytes)
	if err != nil {
		return res, fmt.Errorf("read: %w", err)
	}
	return res, nil
}

// Request is one conditional GET.
type Request struct {
	URL       string
	Accept    string
	UserAgent string
	MaxBytes  int64
	Prior     *Validators
}

// URL GETs r.URL with the prior validators (If-None-Match, If-Modified-Since). The caller
// bounds the time through ctx and the client's timeout.
func URL(ctx context.Context, client *http.Client, r Request) (Result, error) {
	var res Result
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return res, fmt.Errorf("bad URL %s", Redact(r.URL))
	}
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	if p := r.Prior; p != nil {
		if p.ETag != "" {
			req.Header.Set("If-None-Match", p.ETag)
		}
		if p.LastModified != "" {
			req.Header.Set("If-Modified-Since", p.LastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a token; never repeat it
		}
		return res, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	res.ETag, res.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.Unchanged = true
		if p := r.Prior; p != nil {
			res.ETag, res.LastModified = cmp.Or(res.ETag, p.ETag), cmp.Or(res.LastModified, p.LastModified)
		}
		return res, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return res, fmt.Errorf("fetch: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > r.MaxBytes {
		res.TooBig = true
		return res, nil
	}
	res.Data, res.TooBig, err = ReadBounded(resp.Body, r.MaxBytes)
	if err != nil {
		return res, fmt.Errorf("read body: %w", err)
	}
	return res, nil
}

// unwrap drops the *PathError's path (the caller names the document itself).
func unwrap(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// Redact drops user info and the query (either may hold a token) from a URL for display.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}
