package loadgen

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Pacer decides when hits are sent, vegeta-style. Pace returns how long to wait before hit
// number hits (0-based) is due, given the time elapsed since the start of the run; stop is
// true when the schedule has no such hit. Rate is the instantaneous rate in hits per second.
// A Pacer is used by one goroutine at a time.
type Pacer interface {
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
	Rate(elapsed time.Duration) float64
}

// SendTimer is implemented by pacers that know the exact intended send time of hit n as an
// offset from the start; ok is false past the end of the schedule. Every pacer of this package
// implements it, and executors use it for the intended send time (else elapsed + wait).
type SendTimer interface {
	SendTime(n uint64) (at time.Duration, ok bool)
}

// ConstantPacer sends Freq hits every Per, evenly spaced: hit n is due at n·Per/Freq (exact
// integer arithmetic, no drift), until Duration (0 = no end).
type ConstantPacer struct {
	Freq     uint64
	Per      time.Duration
	Duration time.Duration
}

var _ Pacer = ConstantPacer{}

// SendTime returns n·Per/Freq.
func (p ConstantPacer) SendTime(n uint64) (time.Duration, bool) {
	if p.Freq == 0 || p.Per <= 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(n, uint64(p.Per))
	if hi >= p.Freq {
		return 0, false // overflow: far past any bounded run
	}
	q, _ := bits.Div64(hi, lo, p.Freq)
	if q > math.MaxInt64 {
		return 0, false
	}
	at := time.Duration(q)
	if p.Duration > 0 && at >= p.Duration {
		return at, false
	}
	return at, true
}

// Pace implements Pacer.
func (p ConstantPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := p.SendTime(hits)
	return waitFor(at, ok, elapsed)
}

// Rate returns Freq/Per in hits per second.
func (p ConstantPacer) Rate(time.Duration) float64 {
	if p.Per <= 0 {
		return 0
	}
	return float64(p.Freq) / p.Per.Seconds()
}

func paceFrom(s SendTimer, elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := s.SendTime(hits)
	return waitFor(at, ok, elapsed)
}

func waitFor(at time.Duration, ok bool, elapsed time.Duration) (time.Duration, bool) {
	if !ok {
		return 0, true
	}
	if w := at - elapsed; w > 0 {
		return w, false
	}
	return 0, false
}

// Stage is one segment of a ramp: the rate (or VU count) moves linearly to Target over
// Duration (k6 stages).
type Stage struct {
	Duration time.Duration
	Target   float64
}

// RampingPacer is k6's ramping-arrival-rate schedule: the rate (hits/s) starts at Start and
// moves linearly to each stage's Target over the stage's Duration. With N(t) = ∫₀ᵗ r(u) du the
// number of hits due by t, hit n is due at the t where N(t) = n (so hit 0 at t = 0). Inside a
// stage starting at rate a with slope k = (b−a)/(2D), the m-th hit of the stage is at
// τ = 2m / (a + √(a² + 4km)), the stable root of kτ² + aτ = m.
type RampingPacer struct {
	Start  float64
	Stages []Stage

	once sync.Once
	cum  []float64 // hits due at the start of each stage, len(Stages)+1
	t0   []time.Duration
}

var _ Pacer = (*RampingPacer)(nil)

// NewRampingPacer checks the stages and returns the pacer.
func NewRampingPacer(start float64, stages []Stage) (*RampingPacer, error) {
	var errs []error
	if start < 0 || math.IsNaN(start) || math.IsInf(start, 0) {
		errs = append(errs, fmt.Errorf("loadgen: start rate %v must be ≥ 0", start))
	}
	if len(stages) == 0 {
		errs = append(errs, errors.New("loadgen: ramping pacer needs at least one stage"))
	}
	for i, s := range stages {
		if s.Duration <= 0 {
			errs = append(errs, fmt.Errorf("loadgen: stage %d: duration must be > 0", i))
		}
		if s.Target < 0 || math.IsNaN(s.Target) || math.IsInf(s.Target, 0) {
			errs = append(errs, fmt.Errorf("loadgen: stage %d: target %v must be ≥ 0", i, s.Target))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &RampingPacer{Start: start, Stages: stages}, nil
}

func (p *RampingPacer) init() {
	p.once.Do(func() {
		p.cum = make([]float64, len(p.Stages)+1)
		p.t0 = make([]time.Duration, len(p.Stages)+1)
		a := p.Start
		for i, s := range p.Stages {
			p.cum[i+1] = p.cum[i] + (a+s.Target)/2*s.Duration.Seconds()
			p.t0[i+1] = p.t0[i] + s.Duration
			a = s.Target
		}
	})
}

// Total is the total duration of the stages.
func (p *RampingPacer) Total() time.Duration {
	p.init()
	return p.t0[len(p.t0)-1]
}

// timeOf inverts N: the offset at which x hits (real-valued) are due.
func (p *RampingPacer) timeOf(x float64) (time.Duration, bool) {
	p.init()
	if x < 0 || x >= p.cum[len(p.cum)-1] {
		return 0, false
	}
	i := 0
	for i+1 < len(p.cum)-1 && x >= p.cum[i+1] {
		i++
	}
	a := p.Start
	if i > 0 {
		a = p.Stages[i-1].Target
	}
	s := p.Stages[i]
	m := x - p.cum[i]
	k := (s.Target - a) / (2 * s.Duration.Seconds())
	var tau float64
	if m > 0 {
		disc := a*a + 4*k*m
		if disc < 0 {
			disc = 0
		}
		den := a + math.Sqrt(disc)
		if den <= 0 {
			return 0, false
		}
		tau = 2 * m / den
	}
	at := p.t0[i] + time.Duration(tau*1e9)
	if at >= p.t0[i+1] {
		at = p.t0[i+1] - 1
	}
	return at, true
}

// SendTime implements SendTimer.
func (p *RampingPacer) SendTime(n uint64) (time.Duration, bool) { return p.timeOf(float64(n)) }

// Pace implements Pacer.
func (p *RampingPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return paceFrom(p, elapsed, hits)
}

// Rate returns the rate at elapsed in hits per second (0 after the last stage).
func (p *RampingPacer) Rate(elapsed time.Duration) float64 {
	p.init()
	a := p.Start
	for i, s := range p.Stages {
		if elapsed < p.t0[i+1] {
			f := float64(elapsed-p.t0[i]) / float64(s.Duration)
			return a + (s.Target-a)*f
		}
		a = s.Target
	}
	return 0
}

// PoissonPacer sends hits as a (possibly non-homogeneous) Poisson process whose rate follows
// Ramp: hit n is due at N⁻¹(E₀+…+Eₙ) with Eᵢ independent unit exponentials drawn from a PCG
// stream seeded by Seed (time change of a unit Poisson process). Same Seed, same schedule.
// It is stateful; use it from one goroutine.
type PoissonPacer struct {
	Ramp *RampingPacer
	Seed uint64

	rng  *rand.Rand
	n    uint64  // next hit whose cumulative sum is in sum
	sum  float64 // E₀+…+E_{n}
	have bool
}

var _ Pacer = (*PoissonPacer)(nil)

// NewPoissonPacer is a Poisson process of rate hits/s for d.
func NewPoissonPacer(rate float64, d time.Duration, seed uint64) (*PoissonPacer, error) {
	r, err := NewRampingPacer(rate, []Stage{{Duration: d, Target: rate}})
	if err != nil {
		return nil, err
	}
	return &PoissonPacer{Ramp: r, Seed: seed}, nil
}

// SendTime implements SendTimer. Asking for an earlier n than the last one replays the stream.
func (p *PoissonPacer) SendTime(n uint64) (time.Duration, bool) {
	if p.rng == nil || (p.have && n < p.n) {
		p.rng = rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15))
		p.n, p.sum, p.have = 0, p.rng.ExpFloat64(), true
	}
	for p.n < n {
		p.sum += p.rng.ExpFloat64()
		p.n++
	}
	return p.Ramp.timeOf(p.sum)
}

// Pace implements Pacer.
func (p *PoissonPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return paceFrom(p, elapsed, hits)
}

// Rate is the rate of the underlying ramp, hits/s.
func (p *PoissonPacer) Rate(elapsed time.Duration) float64 { return p.Ramp.Rate(elapsed) }

// OffsetPacer replays fixed offsets (a trace) scaled in time: hit n is due at
// Offsets[n] × TimeScale (TimeScale 0.5 replays twice as fast). Offsets must be ascending.
type OffsetPacer struct {
	Offsets   []time.Duration
	TimeScale float64
}

var _ Pacer = OffsetPacer{}

// SendTime implements SendTimer.
func (p OffsetPacer) SendTime(n uint64) (time.Duration, bool) {
	if n >= uint64(len(p.Offsets)) {
		return 0, false
	}
	s := p.TimeScale
	if s <= 0 {
		s = 1
	}
	return time.Duration(float64(p.Offsets[n]) * s), true
}

// Pace implements Pacer.
func (p OffsetPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := p.SendTime(hits)
	return waitFor(at, ok, elapsed)
}

// Rate is the mean rate over the whole trace, hits/s.
func (p OffsetPacer) Rate(time.Duration) float64 {
	if len(p.Offsets) < 2 {
		return 0
	}
	s := p.TimeScale
	if s <= 0 {
		s = 1
	}
	span := float64(p.Offsets[len(p.Offsets)-1]) * s
	if span <= 0 {
		return 0
	}
	return float64(len(p.Offsets)) / (span / 1e9)
}

// skipper is implemented by the pacers of this package. skip returns the first hit at or
// after n whose send time is at or after t (the number of hits in the schedule when there is
// none), so a pacer goroutine that fell behind counts the hits it can no longer send on time
// in one step instead of one by one. length is the schedule's length (0: no end).
type skipper interface {
	skip(n uint64, t time.Duration) uint64
	length() time.Duration
}

var (
	_ skipper = ConstantPacer{}
	_ skipper = (*RampingPacer)(nil)
	_ skipper = (*PoissonPacer)(nil)
	_ skipper = OffsetPacer{}
)

func (p ConstantPacer) skip(n uint64, t time.Duration) uint64 {
	if p.Freq == 0 || p.Per <= 0 || t <= 0 {
		return n
	}
	if p.Duration > 0 {
		t = min(t, p.Duration)
	}
	// hit m is due at ⌊m·Per/Freq⌋ ≥ t ⇔ m ≥ t·Freq/Per
	hi, lo := bits.Mul64(uint64(t), p.Freq)
	if hi >= uint64(p.Per) {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, uint64(p.Per))
	if r > 0 {
		q++
	}
	return max(n, q)
}

func (p ConstantPacer) length() time.Duration { return p.Duration }

// due is N(t), the number of hits due by t (real-valued).
func (p *RampingPacer) due(t time.Duration) float64 {
	p.init()
	if t <= 0 {
		return 0
	}
	a := p.Start
	for i, s := range p.Stages {
		if t < p.t0[i+1] {
			tau := (t - p.t0[i]).Seconds()
			k := (s.Target - a) / (2 * s.Duration.Seconds())
			return p.cum[i] + a*tau + k*tau*tau
		}
		a = s.Target
	}
	return p.cum[len(p.cum)-1]
}

func (p *RampingPacer) skip(n uint64, t time.Duration) uint64 {
	x := math.Ceil(p.due(t))
	if x >= math.MaxUint64/2 {
		return math.MaxUint64
	}
	m := max(n, uint64(x))
	// N and its inverse round differently: settle on the exact first hit due at or after t
	for m > n {
		if at, ok := p.SendTime(m - 1); !ok || at < t {
			break
		}
		m--
	}
	for {
		if at, ok := p.SendTime(m); !ok || at >= t {
			return m
		}
		m++
	}
}

func (p *RampingPacer) length() time.Duration { return p.Total() }

// skip draws the hits a unit Poisson process has in (Sₙ, N(t)) at once: their number is
// Poisson(N(t) − Sₙ) and, by the memorylessness of the exponential, the next hit is N(t) plus
// a unit exponential. The schedule stays a Poisson process (not the same sample path as
// without the skip).
func (p *PoissonPacer) skip(n uint64, t time.Duration) uint64 {
	if _, ok := p.SendTime(n); !ok {
		return n
	}
	lim := p.Ramp.due(t)
	if p.sum >= lim {
		return n
	}
	k := uint64(0)
	if lambda := lim - p.sum; lambda > 0 {
		k = uint64(distuv.Poisson{Lambda: lambda, Src: p.rng}.Rand())
	}
	p.n += 1 + k
	p.sum = lim + p.rng.ExpFloat64()
	return p.n
}

func (p *PoissonPacer) length() time.Duration { return p.Ramp.Total() }

func (p OffsetPacer) skip(n uint64, t time.Duration) uint64 {
	if n >= uint64(len(p.Offsets)) {
		return n
	}
	i := sort.Search(len(p.Offsets)-int(n), func(i int) bool {
		at, _ := p.SendTime(n + uint64(i))
		return at >= t
	})
	return n + uint64(i)
}

// length is 0: a trace has no duration of its own beyond its last hit, which may wait MaxLag
// for a VU like any other.
func (p OffsetPacer) length() time.Duration { return 0 }
