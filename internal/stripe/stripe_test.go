package stripe

import (
	"sync"
	"testing"
)

// One key's holders never overlap; the same key always maps to the same stripe.
func TestLockSerialisesOneKey(t *testing.T) {
	l := New(8)
	if l.For("review-1") != l.For("review-1") {
		t.Fatal("one key, two stripes")
	}
	var wg sync.WaitGroup
	inside, worst := 0, 0
	var mu sync.Mutex
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer l.Lock("review-1")()
			mu.Lock()
			inside++
			worst = max(worst, inside)
			mu.Unlock()
			mu.Lock()
			inside--
			mu.Unlock()
		}()
	}
	wg.Wait()
	if worst != 1 {
		t.Fatalf("%d holders at once", worst)
	}
	if New(0).For("x") == nil {
		t.Fatal("New(0) has no stripe")
	}
}
