package loadgen

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// DBStats aggregates the database commands of an in-process server by shape (command,
// collection and the top-level keys of its filter), to tell which statements a load spends
// its database time on. Values are never recorded, only key names.
type DBStats struct {
	mu      sync.Mutex
	pending map[int64]string
	byShape map[string]*dbShape
}

type dbShape struct {
	n     int
	total time.Duration
	max   time.Duration
}

// NewDBStats returns an empty aggregate; Monitor is what to put in config.StoreMonitor.
func NewDBStats() *DBStats {
	return &DBStats{pending: map[int64]string{}, byShape: map[string]*dbShape{}}
}

// Monitor observes the commands.
func (d *DBStats) Monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			shape := commandShape(e.CommandName, e.Command) + " ← " + caller()
			d.mu.Lock()
			d.pending[e.RequestID] = shape
			d.mu.Unlock()
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { d.done(e.RequestID, e.Duration) },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { d.done(e.RequestID, e.Duration) },
	}
}

// Reset forgets what was counted so far (the run's set-up: sign-ins, first reads).
func (d *DBStats) Reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.byShape)
}

func (d *DBStats) done(id int64, dur time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	shape, ok := d.pending[id]
	if !ok {
		return
	}
	delete(d.pending, id)
	s := d.byShape[shape]
	if s == nil {
		s = &dbShape{}
		d.byShape[shape] = s
	}
	s.n++
	s.total += dur
	s.max = max(s.max, dur)
}

// caller names the first function of Kawan above store/ on the calling goroutine (the
// driver calls Started on the goroutine that runs the command).
func caller() string {
	var pcs [48]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "github.com/kawan-labs/kawan/") &&
			!strings.HasPrefix(f.Function, "github.com/kawan-labs/kawan/store") &&
			!strings.HasPrefix(f.Function, "github.com/kawan-labs/kawan/scripts") {
			return strings.TrimPrefix(f.Function, "github.com/kawan-labs/kawan/")
		}
		if !more {
			return "?"
		}
	}
}

// commandShape names a command by its collection and the key names of its filter or query.
func commandShape(name string, cmd bson.Raw) string {
	coll := ""
	if v, err := cmd.LookupErr(name); err == nil {
		coll, _ = v.StringValueOK()
	}
	keys := func(doc bson.Raw) string {
		els, err := doc.Elements()
		if err != nil {
			return "?"
		}
		ks := make([]string, 0, len(els))
		for _, e := range els {
			ks = append(ks, e.Key())
		}
		slices.Sort(ks)
		return strings.Join(ks, ",")
	}
	var filter string
	switch name {
	case "find", "count", "findAndModify", "delete", "aggregate":
		for _, k := range []string{"filter", "query"} {
			if v, err := cmd.LookupErr(k); err == nil {
				if doc, ok := v.DocumentOK(); ok {
					filter = keys(doc)
				}
			}
		}
	case "update":
		if v, err := cmd.LookupErr("updates"); err == nil {
			if arr, ok := v.ArrayOK(); ok {
				if vals, err := arr.Values(); err == nil && len(vals) > 0 {
					if doc, ok := vals[0].DocumentOK(); ok {
						if q, err := doc.LookupErr("q"); err == nil {
							if qd, ok := q.DocumentOK(); ok {
								filter = keys(qd)
							}
						}
					}
				}
			}
		}
	}
	return fmt.Sprintf("%s %s {%s}", name, coll, filter)
}

// Print writes the n shapes with the most total time.
func (d *DBStats) Print(w io.Writer, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	type row struct {
		shape string
		*dbShape
	}
	rows := make([]row, 0, len(d.byShape))
	var all time.Duration
	for k, v := range d.byShape {
		rows = append(rows, row{k, v})
		all += v.total
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].total > rows[j].total })
	fmt.Fprintf(w, "database time by statement shape (total %v):\n%8s %10s %9s %9s  %s\n", all.Round(time.Millisecond), "count", "total", "mean", "max", "shape")
	for i, r := range rows {
		if i == n {
			break
		}
		fmt.Fprintf(w, "%8d %10v %9v %9v  %s\n", r.n, r.total.Round(time.Millisecond), (r.total / time.Duration(r.n)).Round(10*time.Microsecond), r.max.Round(10*time.Microsecond), r.shape)
	}
}
