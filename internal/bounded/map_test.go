package bounded

import (
	"fmt"
	"sync"
	"testing"
)

// TestMapBounded: the map never holds more than its bound, keeps answering with what it
// holds, and Update is atomic.
func TestMapBounded(t *testing.T) {
	m := New[int](100)
	for i := range 1000 {
		m.Put(fmt.Sprint("k", i), i)
		if m.Len() > 100 {
			t.Fatalf("map holds %d entries, bound 100", m.Len())
		}
	}
	if v, ok := m.Get("k999"); !ok || v != 999 {
		t.Fatalf("latest entry: %d %v", v, ok)
	}
	m.Put("k999", 7) // replacing a key drops nothing
	if v, _ := m.Get("k999"); v != 7 || m.Len() > 100 {
		t.Fatalf("replace: %d, %d entries", v, m.Len())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				m.Update("n", func(old int, _ bool) int { return old + 1 })
			}
		})
	}
	wg.Wait()
	if v, _ := m.Get("n"); v != 8000 {
		t.Fatalf("concurrent updates: %d, want 8000", v)
	}
	m.Clear()
	if m.Len() != 0 {
		t.Fatal("clear")
	}
}
