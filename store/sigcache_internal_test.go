package store

import (
	"fmt"
	"testing"
)

// TestSigCacheBounded: the signature cache never holds more than its bound and keeps
// answering with what it holds.
func TestSigCacheBounded(t *testing.T) {
	c := newSigCache(100)
	for i := range 1000 {
		c.Put(fmt.Sprint("r", i), StoredSignature{Sig: []int64{int64(i)}, Overall: 1 + i%5})
		if c.Len() > 100 {
			t.Fatalf("cache holds %d entries, bound 100", c.Len())
		}
	}
	d, ok := c.Get("r999")
	if !ok || d.Sig[0] != 999 || d.Overall != 5 {
		t.Fatalf("latest entry: %+v %v", d, ok)
	}
}
