package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestURLConditionalBoundedAndRedacted(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 100)))
		case r.URL.Path == "/down":
			http.Error(w, "no", http.StatusBadGateway)
		case r.Header.Get("If-None-Match") == `"1"`:
			w.WriteHeader(http.StatusNotModified)
		default:
			w.Header().Set("ETag", `"1"`)
			_, _ = w.Write([]byte("list"))
		}
	}))
	defer hs.Close()
	ctx := context.Background()
	res, err := URL(ctx, hs.Client(), Request{URL: hs.URL + "/l", MaxBytes: 10})
	if err != nil || string(res.Data) != "list" || res.ETag != `"1"` || res.Unchanged {
		t.Fatalf("first: %+v %v", res, err)
	}
	res, err = URL(ctx, hs.Client(), Request{URL: hs.URL + "/l", MaxBytes: 10, Prior: &res.Validators})
	if err != nil || !res.Unchanged || res.ETag != `"1"` || res.Data != nil {
		t.Fatalf("304: %+v %v", res, err)
	}
	if res, err = URL(ctx, hs.Client(), Request{URL: hs.URL + "/big", MaxBytes: 10}); err != nil || !res.TooBig || res.Data != nil {
		t.Fatalf("too big: %+v %v", res, err)
	}
	_, err = URL(ctx, hs.Client(), Request{URL: strings.Replace(hs.URL, "http://", "http://user:secret@", 1) + "/down?token=secret", MaxBytes: 10})
	if err == nil || !strings.Contains(err.Error(), "HTTP 502") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("failure: %v", err)
	}
	if got := Redact("https://user:pw@example.org/list.csv?token=abc#x"); got != "https://example.org/list.csv?…" {
		t.Fatalf("redact: %q", got)
	}
}

func TestFileUnchangedAndBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l.csv")
	if err := os.WriteFile(p, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := File(p, 10, nil)
	if err != nil || string(res.Data) != "a,b\n" || res.Size != 4 {
		t.Fatalf("first: %+v %v", res, err)
	}
	if res, err = File(p, 10, &res.Validators); err != nil || !res.Unchanged {
		t.Fatalf("unchanged: %+v %v", res, err)
	}
	if res, err = File(p, 2, nil); err != nil || !res.TooBig {
		t.Fatalf("too big: %+v %v", res, err)
	}
	if _, err := File(filepath.Join(t.TempDir(), "missing.csv"), 10, nil); err == nil || strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("missing file: %v (the caller names the document)", err)
	}
}
