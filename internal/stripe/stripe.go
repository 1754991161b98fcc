// Package stripe is a fixed set of mutexes picked by key: it serialises work on one key
// within a process (an index sync of one document, so that an older version never
// overwrites a newer one) without a lock per key. It is not for database atomicity: every
// single-document update is atomic on both stores (docs/DEVELOPING.md).
package stripe

import (
	"hash/fnv"
	"sync"
)

// Locks is a striped set of mutexes.
type Locks struct{ mu []sync.Mutex }

// New returns n stripes (at least 1).
func New(n int) *Locks { return &Locks{mu: make([]sync.Mutex, max(n, 1))} }

// For returns the mutex of key (the same one for the same key, shared by some others).
func (l *Locks) For(key string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return &l.mu[h.Sum32()%uint32(len(l.mu))]
}

// Lock locks key's stripe and returns its unlock.
func (l *Locks) Lock(key string) (unlock func()) {
	m := l.For(key)
	m.Lock()
	return m.Unlock
}
