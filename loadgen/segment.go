package loadgen

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Segment is a k6 execution segment: this generator's share (From, To] of a test whose hits are
// split over several generators by a segment sequence. The split follows k6's striping
// (go.k6.io/k6/lib ExecutionSegmentSequenceWrapper): with L the least common denominator of the
// sequence's segment lengths, every block of L consecutive hits of the global schedule gives
// each segment its numerator share, spread out as evenly as possible, so the segments of one
// sequence together send every hit of the schedule exactly once (no overlap, no gap), each at
// the hit's global intended time. Open executors send the hits their segment owns; closed
// executors run the segment's share of the VUs (k6's ExecutionTuple.ScaleInt64).
//
// The zero Segment is the whole test.
type Segment struct {
	from, to *big.Rat
	seq      []*big.Rat // sequence boundaries, 0 … 1; nil for the whole test
	start    uint64     // first owned index in a block of lcd
	offsets  []uint64   // gaps between owned indexes, cycling; sum = lcd
	lcd      uint64
}

// ParseSegment parses a segment as capsim's `--segment` flag takes it:
//
//	"i/n"         the i-th of n equal parts (1 ≤ i ≤ n) with the sequence 0, 1/n, …, 1 —
//	              what k6-operator gives runner i−1 of a TestRun with parallelism n
//	"from:to"     k6's --execution-segment form (rationals or decimals: "1/3:2/3", "0.5:1")
//
// Note "2/3" here is the second of three parts, where k6's --execution-segment 2/3 means 0:2/3.
// seq is k6's --execution-segment-sequence ("0,1/3,2/3,1"); "" means the segment's own boundaries
// filled up to 0 and 1 (for "i/n": the n equal parts). "" is the whole test.
func ParseSegment(s, seq string) (Segment, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0:1" || s == "1/1" {
		if seq == "" {
			return Segment{}, nil
		}
	}
	var from, to *big.Rat
	var bounds []*big.Rat
	if a, b, ok := strings.Cut(s, ":"); ok {
		var err1, err2 error
		from, err1 = parseRat(a)
		to, err2 = parseRat(b)
		if err := errors.Join(err1, err2); err != nil {
			return Segment{}, fmt.Errorf("loadgen: segment %q: %w", s, err)
		}
	} else {
		a, b, ok := strings.Cut(s, "/")
		i, err1 := strconv.Atoi(strings.TrimSpace(a))
		n, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n || n > 1_000_000 {
			return Segment{}, fmt.Errorf("loadgen: segment %q: want i/n with 1 ≤ i ≤ n (the i-th of n equal parts) or from:to", s)
		}
		from, to = big.NewRat(int64(i-1), int64(n)), big.NewRat(int64(i), int64(n))
		if seq == "" {
			for k := 0; k <= n; k++ {
				bounds = append(bounds, big.NewRat(int64(k), int64(n)))
			}
		}
	}
	zero, one := new(big.Rat), big.NewRat(1, 1)
	if from.Sign() < 0 || to.Cmp(one) > 0 || from.Cmp(to) >= 0 {
		return Segment{}, fmt.Errorf("loadgen: segment %q: want 0 ≤ from < to ≤ 1", s)
	}
	if seq != "" {
		for _, f := range strings.Split(seq, ",") {
			r, err := parseRat(f)
			if err != nil {
				return Segment{}, fmt.Errorf("loadgen: segment sequence %q: %w", seq, err)
			}
			if r.Sign() < 0 || r.Cmp(one) > 0 || (len(bounds) > 0 && r.Cmp(bounds[len(bounds)-1]) <= 0) {
				return Segment{}, fmt.Errorf("loadgen: segment sequence %q: want increasing values in [0, 1]", seq)
			}
			bounds = append(bounds, r)
		}
	}
	if len(bounds) == 0 {
		bounds = []*big.Rat{from, to}
	}
	if bounds[0].Cmp(zero) != 0 {
		bounds = append([]*big.Rat{zero}, bounds...)
	}
	if bounds[len(bounds)-1].Cmp(one) != 0 {
		bounds = append(bounds, one)
	}
	idx := -1
	for k := 0; k+1 < len(bounds); k++ {
		if bounds[k].Cmp(from) == 0 && bounds[k+1].Cmp(to) == 0 {
			idx = k
		}
	}
	if idx < 0 {
		return Segment{}, fmt.Errorf("loadgen: segment %q is not in the sequence %q", s, seq)
	}
	seg := Segment{from: from, to: to, seq: bounds}
	if err := seg.stripe(idx); err != nil {
		return Segment{}, fmt.Errorf("loadgen: segment %q: %w", s, err)
	}
	return seg, nil
}

func parseRat(s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return nil, fmt.Errorf("%q is not a number or fraction", s)
	}
	return r, nil
}

// maxLCD bounds the striping table (k6 computes the same table; a sequence of decimals like
// 0.3333 has an LCD of 10,000).
const maxLCD = 1_000_000

// stripe computes the owned indexes of segment idx in one block of lcd hits: k6's algorithm
// (lib/execution_segment.go, NewExecutionSegmentSequenceWrapper), segments sorted by length,
// longest first, each index given to the first segment whose share is due.
func (s *Segment) stripe(idx int) error {
	n := len(s.seq) - 1
	lcd := int64(1)
	for k := 0; k < n; k++ {
		d := new(big.Rat).Sub(s.seq[k+1], s.seq[k]).Denom().Int64()
		lcd = lcd / gcd(lcd, d) * d
		if lcd > maxLCD {
			return fmt.Errorf("the sequence's common denominator exceeds %d", maxLCD)
		}
	}
	type seg struct {
		num  int64 // length × lcd
		orig int
	}
	segs := make([]seg, n)
	for k := range segs {
		l := new(big.Rat).Sub(s.seq[k+1], s.seq[k])
		segs[k] = seg{l.Num().Int64() * (lcd / l.Denom().Int64()), k}
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].num > segs[j].num })
	chosen := make([]int64, n)
	var owned []int64
	for i := int64(0); i < lcd; i++ {
		for k := range segs {
			num, den := chosen[k]*lcd, segs[k].num
			if i > num/den || (i == num/den && num%den == 0) {
				chosen[k]++
				if segs[k].orig == idx {
					owned = append(owned, i)
				}
				break
			}
		}
	}
	if len(owned) == 0 {
		return errors.New("owns no hit of the schedule")
	}
	s.lcd, s.start = uint64(lcd), uint64(owned[0])
	s.offsets = make([]uint64, len(owned))
	for k := range owned {
		next := owned[0] + lcd
		if k+1 < len(owned) {
			next = owned[k+1]
		}
		s.offsets[k] = uint64(next - owned[k])
	}
	return nil
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Whole reports whether s is the whole test.
func (s Segment) Whole() bool { return s.from == nil }

// String is k6's "from:to" form ("0:1" for the whole test).
func (s Segment) String() string {
	if s.Whole() {
		return "0:1"
	}
	return s.from.RatString() + ":" + s.to.RatString()
}

// Sequence is k6's --execution-segment-sequence form ("" for the whole test).
func (s Segment) Sequence() string {
	parts := make([]string, len(s.seq))
	for i, r := range s.seq {
		parts[i] = r.RatString()
	}
	return strings.Join(parts, ",")
}

// Length is to − from (1 for the whole test).
func (s Segment) Length() float64 {
	if s.Whole() {
		return 1
	}
	f, _ := new(big.Rat).Sub(s.to, s.from).Float64()
	return f
}

// Global returns the index in the whole schedule of this segment's local hit m (0-based).
func (s Segment) Global(m uint64) uint64 {
	if s.Whole() {
		return m
	}
	k := uint64(len(s.offsets))
	g := (m/k)*s.lcd + s.start
	for i := uint64(0); i < m%k; i++ {
		g += s.offsets[i]
	}
	return g
}

// Scale returns how many of the first n items of the whole test this segment owns (k6's
// ScaleInt64: its share of n VUs).
func (s Segment) Scale(n int) int {
	if s.Whole() || n <= 0 {
		return max(n, 0)
	}
	k := uint64(len(s.offsets))
	u := uint64(n)
	out := (u / s.lcd) * k
	for i, at := uint64(0), s.start; at < u%s.lcd; i, at = i+1, at+s.offsets[i] {
		out++
	}
	return int(out)
}

// segmentPacer sends the hits of one segment of p's schedule, each at its global time.
type segmentPacer struct {
	p   Pacer
	st  SendTimer
	seg Segment
}

var _ Pacer = segmentPacer{}

// SegmentPacer returns the pacer of seg's share of p: local hit m is p's hit seg.Global(m),
// sent at that hit's intended time. p must implement SendTimer (every pacer of this package
// does); the whole-test segment returns p unchanged.
func SegmentPacer(p Pacer, seg Segment) (Pacer, error) {
	if seg.Whole() {
		return p, nil
	}
	st, ok := p.(SendTimer)
	if !ok {
		return nil, fmt.Errorf("loadgen: pacer %T has no SendTime: cannot take an execution segment of it", p)
	}
	return segmentPacer{p, st, seg}, nil
}

// SendTime implements SendTimer.
func (s segmentPacer) SendTime(m uint64) (time.Duration, bool) { return s.st.SendTime(s.seg.Global(m)) }

// Pace implements Pacer.
func (s segmentPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return paceFrom(s, elapsed, hits)
}

// Rate is the segment's share of p's rate, hits/s.
func (s segmentPacer) Rate(elapsed time.Duration) float64 { return s.p.Rate(elapsed) * s.seg.Length() }
