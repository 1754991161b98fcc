package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Sender delivers one text to one platform address.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

// PermanentError marks a delivery that retrying cannot fix (an unsubscribed receiver, a
// refused token): it is dropped at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// OutboxOptions bound an Outbox.
type OutboxOptions struct {
	Queue    int           // messages waiting at most (default 1000); past it new ones are dropped
	Workers  int           // concurrent deliveries (default 2)
	Attempts int           // tries per message (default 4)
	Backoff  time.Duration // first retry delay, doubled each time (default 500 ms, at most 30 s)
	Timeout  time.Duration // one attempt (default 10 s)
	Log      *slog.Logger
}

// Outbox sends texts in the background: bounded queue, bounded workers, each attempt
// bounded in time, retried with exponential back-off, then dropped and counted. Enqueue
// never blocks, so an inbound webhook is answered whatever the platform does.
type Outbox struct {
	o    OutboxOptions
	send Sender
	q    chan outMsg
	// Counters (also logged): sent, retried attempts, dropped (queue full or out of
	// attempts or permanent).
	Sent, Retried, Dropped atomic.Int64
}

type outMsg struct{ to, text string }

// NewOutbox returns an outbox delivering through s; Run starts it.
func NewOutbox(s Sender, o OutboxOptions) *Outbox {
	if o.Queue <= 0 {
		o.Queue = 1000
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{o: o, send: s, q: make(chan outMsg, o.Queue)}
}

// Enqueue queues a text for to; false (and counted as dropped) when the queue is full.
func (b *Outbox) Enqueue(to, text string) bool {
	select {
	case b.q <- outMsg{to, text}:
		return true
	default:
		b.Dropped.Add(1)
		b.o.Log.Warn("outbound text dropped: queue full", "dropped", b.Dropped.Load())
		return false
	}
}

// Run delivers queued texts until ctx is cancelled.
func (b *Outbox) Run(ctx context.Context) {
	done := make(chan struct{})
	for range b.o.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case m := <-b.q:
					b.deliver(ctx, m)
				}
			}
		}()
	}
	for range b.o.Workers {
		<-done
	}
}

func (b *Outbox) deliver(ctx context.Context, m outMsg) {
	wait := b.o.Backoff
	for i := range b.o.Attempts {
		actx, cancel := context.WithTimeout(ctx, b.o.Timeout)
		err := b.send.Send(actx, m.to, m.text)
		cancel()
		if err == nil {
			b.Sent.Add(1)
			return
		}
		var perm *PermanentError
		if errors.As(err, &perm) || i == b.o.Attempts-1 || ctx.Err() != nil {
			b.Dropped.Add(1)
			b.o.Log.Warn("outbound text dropped", "attempts", i+1, "dropped", b.Dropped.Load(), "err", err)
			return
		}
		b.Retried.Add(1)
		select {
		case <-ctx.Done():
			b.Dropped.Add(1)
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Viber sends through the Viber REST bot API (POST {URL}/send_message with the
// X-Viber-Auth-Token header; the answer's status 0 is success).
type Viber struct {
	URL    string // API base, default https://chatapi.viber.com/pa
	Token  string
	Name   string // the sender name shown (default Kawan)
	Client *http.Client
}

// viberMaxText is the longest text Viber accepts in one message.
const viberMaxText = 7000

// Send implements Sender.
func (v *Viber) Send(ctx context.Context, to, text string) error {
	base := strings.TrimRight(v.URL, "/")
	if base == "" {
		base = "https://chatapi.viber.com/pa"
	}
	name := v.Name
	if name == "" {
		name = "Kawan"
	}
	if r := []rune(text); len(r) > viberMaxText {
		text = string(r[:viberMaxText])
	}
	body, _ := json.Marshal(map[string]any{"receiver": to, "min_api_version": 1, "sender": map[string]string{"name": name}, "type": "text", "text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/send_message", bytes.NewReader(body))
	if err != nil {
		return &PermanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Viber-Auth-Token", v.Token)
	c := v.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("channels: viber send: %w", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("channels: viber send: HTTP %d", res.StatusCode)
	case res.StatusCode != http.StatusOK:
		return &PermanentError{fmt.Errorf("channels: viber send: HTTP %d", res.StatusCode)}
	}
	var ans struct {
		Status        *int   `json:"status"`
		StatusMessage string `json:"status_message"`
	}
	if err := json.Unmarshal(data, &ans); err != nil || ans.Status == nil {
		return fmt.Errorf("channels: viber send: unreadable answer")
	}
	switch *ans.Status {
	case 0:
		return nil
	case 12: // tooManyRequests
		return fmt.Errorf("channels: viber send: status 12 %s", ans.StatusMessage)
	}
	return &PermanentError{fmt.Errorf("channels: viber send: status %d %s", *ans.Status, ans.StatusMessage)}
}
