package fx

import "time"

// Test helpers for the external test package (fx_test), whose tests use the real store:
// package fx cannot import store (store depends on fx through stats).

type TestClock = clock

var (
	TestNow     = testNow
	ReadFixture = readFixture
	QuoteCount  = quoteCount
)

// NewTestClock returns a clock at testNow.
func NewTestClock() *clock { return &clock{t: testNow} }

// Now, Add expose the test clock.
func (c *clock) Now() time.Time      { return c.now() }
func (c *clock) Add(d time.Duration) { c.add(d) }

// FeedServer is the test feed server.
type FeedServer = feedServer

// Set swaps the served body; SetStatus makes the server answer with a status.
func (f *feedServer) Set(body []byte, etag string) { f.set(body, etag) }
func (f *feedServer) SetStatus(code int) {
	f.mu.Lock()
	f.status = code
	f.mu.Unlock()
}
