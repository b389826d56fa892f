package loadrun

import (
	"math"
	"slices"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// series is a counter or gauge read at increasing times.
type series struct {
	at []time.Time
	v  []float64
}

func (s *series) add(at time.Time, v float64) {
	s.at = append(s.at, at)
	s.v = append(s.v, v)
}

func (s *series) len() int { return len(s.at) }

// between returns the samples taken in [from, to].
func (s *series) between(from, to time.Time) series {
	var out series
	for i, t := range s.at {
		if !t.Before(from) && !t.After(to) {
			out.add(t, s.v[i])
		}
	}
	return out
}

// rate is the counter's average increase per second over the whole series.
func (s *series) rate() float64 {
	n := s.len()
	if n < 2 {
		return 0
	}
	dt := s.at[n-1].Sub(s.at[0]).Seconds()
	if dt <= 0 {
		return 0
	}
	return (s.v[n-1] - s.v[0]) / dt
}

// peakRate is the counter's highest average increase per second over any
// stretch of at least window between two samples (the first sample at or
// after window from each starting sample). A series shorter than window
// gives its overall rate.
func (s *series) peakRate(window time.Duration) float64 {
	n := s.len()
	peak, found := 0.0, false
	j := 0
	for i := 0; i < n; i++ {
		if j < i {
			j = i
		}
		for j < n && s.at[j].Sub(s.at[i]) < window {
			j++
		}
		if j == n {
			break
		}
		dt := s.at[j].Sub(s.at[i]).Seconds()
		if r := (s.v[j] - s.v[i]) / dt; !found || r > peak {
			peak, found = r, true
		}
	}
	if !found {
		return s.rate()
	}
	return peak
}

// peakCount is the counter's largest increase between two samples at most
// window apart: a lower bound of the most events in any window.
func (s *series) peakCount(window time.Duration) float64 {
	n := s.len()
	peak := 0.0
	j := 0
	for i := 0; i < n; i++ {
		if j < i {
			j = i
		}
		for j+1 < n && s.at[j+1].Sub(s.at[i]) <= window {
			j++
		}
		peak = max(peak, s.v[j]-s.v[i])
	}
	return peak
}

// max is the gauge's highest value (0 for an empty series).
func (s *series) max() float64 {
	if s.len() == 0 {
		return 0
	}
	return slices.Max(s.v)
}

// last is the latest value (0 for an empty series).
func (s *series) last() float64 {
	if s.len() == 0 {
		return 0
	}
	return s.v[s.len()-1]
}

// Distribution summarises durations: nearest-rank percentiles (the p-th
// percentile is the smallest value with at least p% of the values at or
// below it).
type Distribution struct {
	Count  int               `json:"count"`
	Min    contract.Duration `json:"min"`
	Median contract.Duration `json:"median"`
	P90    contract.Duration `json:"p90"`
	P99    contract.Duration `json:"p99"`
	Max    contract.Duration `json:"max"`
	Mean   contract.Duration `json:"mean"`
}

func distributionOf(ds []time.Duration) Distribution {
	if len(ds) == 0 {
		return Distribution{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Distribution{
		Count: len(s), Min: measured(s[0]), Median: measured(percentile(s, 50)), P90: measured(percentile(s, 90)),
		P99: measured(percentile(s, 99)), Max: measured(s[len(s)-1]), Mean: measured(sum / time.Duration(len(s))),
	}
}

// percentile of sorted values, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// meanMax summarises counts per run.
type meanMax struct {
	Mean float64 `json:"mean"`
	Max  int     `json:"max"`
}

func meanMaxOf(vs []int) meanMax {
	if len(vs) == 0 {
		return meanMax{}
	}
	sum := 0
	for _, v := range vs {
		sum += v
	}
	return meanMax{Mean: float64(sum) / float64(len(vs)), Max: slices.Max(vs)}
}

// meanOf is the mean of the observations a histogram recorded over the
// series (sum and count sampled together): Δsum / Δcount.
func meanOf(sum, count *series) float64 {
	n := count.len()
	if n < 2 || sum.len() != n {
		return 0
	}
	dc := count.last() - count.v[0]
	if dc <= 0 {
		return 0
	}
	return (sum.last() - sum.v[0]) / dc
}

// peakMean is the highest mean of a histogram's observations over any
// stretch of at least window (see peakRate for the stretches).
func peakMean(sum, count *series, window time.Duration) float64 {
	n := count.len()
	if sum.len() != n {
		return 0
	}
	peak, j := 0.0, 0
	for i := 0; i < n; i++ {
		j = max(j, i)
		for j < n && count.at[j].Sub(count.at[i]) < window {
			j++
		}
		if j == n {
			break
		}
		if dc := count.v[j] - count.v[i]; dc > 0 {
			peak = max(peak, (sum.v[j]-sum.v[i])/dc)
		}
	}
	return peak
}
