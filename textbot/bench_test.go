package textbot_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/textbot"
)

// BenchmarkAnswer measures the engine per command on the real services (embedded FerretDB,
// Bleve, fx's demo feeds): answers per second and the 99th percentile of one answer,
// session read and write included.
//
//	go test ./textbot/ -run '^$' -bench Answer -benchtime 300x
func BenchmarkAnswer(b *testing.B) {
	f := newFixture(b, textbot.Options{Every: time.Nanosecond, Burst: 1 << 20, ChannelEvery: time.Nanosecond, ChannelBurst: 1 << 20})
	np := f.licensed(b, "NP")
	ctx := context.Background()
	f.say(b, "+9779800000999", "AGENCY "+"Everest") // warm the search index
	for _, c := range []struct{ name, text string }{
		{"check", "check " + np.Licences[0].Number},
		{"check-devanagari", "जाँच " + toDevanagari(np.Licences[0].Number)},
		{"check-notfound", "check 9999-ZZ-999"},
		{"agency", "AGENCY Everest"},
		{"send", "SEND 500 SGD PHP"},
		{"gets", "GETS 20000 PHP FROM SGD"},
		{"help", "HELP QA"},
		{"rights", "RIGHTS QA"},
		{"lang", "LANG ne"},
		{"menu", "MENU"},
		{"unknown", "asdf qwer zxcv"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			i := 0
			for b.Loop() {
				i++
				m := textbot.Message{Channel: "sms", Sender: "+63917" + strconv.Itoa(1000000+i%500), Phone: true, Text: c.text}
				start := time.Now()
				r, err := f.eng.Answer(ctx, m)
				times = append(times, time.Since(start))
				if err != nil || r.Silent {
					b.Fatalf("%v %+v", err, r)
				}
			}
			slices.Sort(times)
			var total time.Duration
			for _, d := range times {
				total += d
			}
			b.ReportMetric(float64(len(times))/total.Seconds(), "answers/s")
			b.ReportMetric(float64(times[len(times)*99/100]), "p99-ns")
		})
	}
}
