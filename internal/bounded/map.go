// Package bounded is an in-memory map with a size bound, for caches of values that never
// go stale (immutable documents, finished days) or whose owner invalidates them.
package bounded

import "sync"

// Map is a string-keyed map safe for concurrent use that holds at most Max entries: when a
// new key would exceed it, about a tenth of the entries are dropped, arbitrarily (map order
// is random). Cheaper than LRU bookkeeping; a dropped entry is only read again from its
// source.
type Map[V any] struct {
	max int
	mu  sync.RWMutex
	m   map[string]V
}

// New returns a Map bounded to limit entries (at least 1).
func New[V any](limit int) *Map[V] {
	return &Map[V]{max: max(limit, 1), m: make(map[string]V)}
}

// Get returns the value of key.
func (b *Map[V]) Get(key string) (V, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[key]
	return v, ok
}

// Put sets the value of key.
func (b *Map[V]) Put(key string, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.makeRoom(key)
	b.m[key] = v
}

// Update sets key to f(current value, present), atomically.
func (b *Map[V]) Update(key string, f func(old V, ok bool) V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.m[key]
	if !ok {
		b.makeRoom(key)
	}
	b.m[key] = f(old, ok)
}

// Clear drops every entry.
func (b *Map[V]) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.m)
}

// Len is the number of entries.
func (b *Map[V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}

func (b *Map[V]) makeRoom(key string) {
	if _, ok := b.m[key]; ok || len(b.m) < b.max {
		return
	}
	n := max(b.max/10, 1)
	for k := range b.m {
		if n == 0 {
			break
		}
		delete(b.m, k)
		n--
	}
}
