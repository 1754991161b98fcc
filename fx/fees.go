package fx

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// FeeBand is one band of a fee schedule: for send amounts up to UpTo (inclusive; no bound
// when !Bounded), fee = Flat + Percent% of the send amount, clamped to [MinFee, MaxFee]
// where given.
type FeeBand struct {
	UpTo    decimal.Decimal
	Bounded bool
	Flat    decimal.Decimal
	Percent decimal.Decimal
	MinFee  decimal.Decimal
	HasMin  bool
	MaxFee  decimal.Decimal
	HasMax  bool
}

// FeeSchedule is a provider's bands for one corridor, in ascending UpTo order; only the
// last may be unbounded.
type FeeSchedule []FeeBand

// Band returns the band a send amount falls in: the first whose UpTo is at least s.
func (fs FeeSchedule) Band(s decimal.Decimal) (*FeeBand, bool) {
	for i := range fs {
		if !fs[i].Bounded || s.Cmp(fs[i].UpTo) <= 0 {
			return &fs[i], true
		}
	}
	return nil, false
}

// Fee is what the provider charges on top of send amount s, in the send currency whose
// minor unit is minor: the percentage part is rounded half-up to the minor unit (FEEDS.md),
// then the clamps apply.
func (fs FeeSchedule) Fee(s decimal.Decimal, minor int32) (decimal.Decimal, error) {
	b, ok := fs.Band(s)
	if !ok {
		return zero, fmt.Errorf("fx: no fee band covers %s", s)
	}
	return b.fee(s, minor), nil
}

func (b *FeeBand) fee(s decimal.Decimal, minor int32) decimal.Decimal {
	f := b.Flat
	if !b.Percent.IsZero() {
		// Percent% of s is s × Percent / 100: exact, then half-up (positive: away from zero).
		f = f.Add(s.Mul(b.Percent).Shift(-2).Round(minor))
	}
	if b.HasMin && f.Cmp(b.MinFee) < 0 {
		f = b.MinFee
	}
	if b.HasMax && f.Cmp(b.MaxFee) > 0 {
		f = b.MaxFee
	}
	return f
}

// validate checks the bands against FEEDS.md; field is the path used in reasons.
func (fs FeeSchedule) validate(e *FeedError, field string, send Currency, maxSend decimal.Decimal) {
	if len(fs) == 0 {
		e.add("%s: at least one fee band is required", field)
		return
	}
	for i, b := range fs {
		p := fmt.Sprintf("%s[%d]", field, i)
		if b.Bounded {
			if !b.UpTo.IsPositive() {
				e.add("%s.up_to: must be more than 0", p)
			}
			if i > 0 && fs[i-1].Bounded && b.UpTo.Cmp(fs[i-1].UpTo) <= 0 {
				e.add("%s.up_to: bands must be in ascending up_to order (%s after %s)", p, b.UpTo, fs[i-1].UpTo)
			}
		} else if i != len(fs)-1 {
			e.add("%s.up_to: only the last band may omit up_to", p)
		}
		for _, m := range []struct {
			name string
			v    decimal.Decimal
			has  bool
		}{{"flat", b.Flat, true}, {"min_fee", b.MinFee, b.HasMin}, {"max_fee", b.MaxFee, b.HasMax}, {"up_to", b.UpTo, b.Bounded}} {
			if m.has && !onGrid(m.v, send.Minor) {
				e.add("%s.%s: %s has more decimals than %s allows (%d)", p, m.name, m.v, send.Code, send.Minor)
			}
		}
		if b.Percent.Cmp(hundred) > 0 {
			e.add("%s.percent: must be at most 100", p)
		}
		if b.HasMin && b.HasMax && b.MinFee.Cmp(b.MaxFee) > 0 {
			e.add("%s: min_fee %s is more than max_fee %s", p, b.MinFee, b.MaxFee)
		}
	}
	if last := fs[len(fs)-1]; last.Bounded && last.UpTo.Cmp(maxSend) < 0 {
		e.add("%s: the bands end at %s but max_send is %s; add a band up to max_send or one without up_to", field, last.UpTo, maxSend)
	}
}
