package loadgen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.k6.io/k6/lib"
)

// The striping equals k6's (lib.ExecutionTuple) for every segment of several sequences: same
// owned indexes and the same scaling of VU counts.
func TestSegmentMatchesK6(t *testing.T) {
	for _, seq := range []string{"0,1/3,2/3,1", "0,1/2,1", "0,0.3,0.5,0.6,1", "0,1/4,1/2,3/4,1", "0,2/5,1", "0,1/7,3/7,1"} {
		parts := strings.Split(seq, ",")
		for i := 0; i+1 < len(parts); i++ {
			segStr := parts[i] + ":" + parts[i+1]
			t.Run(seq+"/"+segStr, func(t *testing.T) {
				seg, err := ParseSegment(segStr, seq)
				if err != nil {
					t.Fatal(err)
				}
				ks, err := lib.NewExecutionSegmentFromString(segStr)
				if err != nil {
					t.Fatal(err)
				}
				kseq, err := lib.NewExecutionSegmentSequenceFromString(seq)
				if err != nil {
					t.Fatal(err)
				}
				et, err := lib.NewExecutionTuple(ks, &kseq)
				if err != nil {
					t.Fatal(err)
				}
				start, offsets, lcd := et.GetStripedOffsets()
				got := []int64{int64(seg.start), int64(seg.lcd)}
				for _, o := range seg.offsets {
					got = append(got, int64(o))
				}
				want := append([]int64{start, lcd}, offsets...)
				if !slices.Equal(got, want) {
					t.Errorf("start, lcd, offsets = %v; k6 %v", got, want)
				}
				for n := range 60 {
					if a, b := seg.Scale(n), et.ScaleInt64(int64(n)); int64(a) != b {
						t.Errorf("Scale(%d) = %d, k6 %d", n, a, b)
					}
				}
				// k6's SegmentedIndex walks the same global indexes (1-based).
				si := lib.NewSegmentedIndex(et)
				for m := range uint64(40) {
					_, unscaled := si.Next()
					if g := seg.Global(m); int64(g) != unscaled-1 {
						t.Fatalf("Global(%d) = %d, k6 %d", m, g, unscaled-1)
					}
				}
			})
		}
	}
}

// The segments of one sequence send every hit of the schedule once, at its global time.
func TestSegmentPacersPartitionSchedule(t *testing.T) {
	global := ConstantPacer{Freq: 97, Per: time.Second, Duration: 2 * time.Second}
	var want, got []time.Duration
	for n := uint64(0); ; n++ {
		at, ok := global.SendTime(n)
		if !ok {
			break
		}
		want = append(want, at)
	}
	counts := map[uint64]int{}
	for i := 1; i <= 3; i++ {
		seg, err := ParseSegment(string(rune('0'+i))+"/3", "")
		if err != nil {
			t.Fatal(err)
		}
		p, err := SegmentPacer(global, seg)
		if err != nil {
			t.Fatal(err)
		}
		st := p.(SendTimer)
		for m := uint64(0); ; m++ {
			at, ok := st.SendTime(m)
			if !ok {
				break
			}
			got = append(got, at)
			counts[seg.Global(m)]++
		}
		if r := p.Rate(0); r < 97.0/3-1e-9 || r > 97.0/3+1e-9 {
			t.Errorf("segment %d/3 rate %v", i, r)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("union of the segments' send times (%d) differs from the schedule (%d)", len(got), len(want))
	}
	for n, c := range counts {
		if c != 1 {
			t.Errorf("hit %d sent %d times", n, c)
		}
	}
}

func TestParseSegment(t *testing.T) {
	for _, c := range []struct{ s, seq, str, sequence string }{
		{"", "", "0:1", ""},
		{"2/3", "", "1/3:2/3", "0,1/3,2/3,1"},
		{"1/3:2/3", "", "1/3:2/3", "0,1/3,2/3,1"},
		{"0.5:1", "", "1/2:1", "0,1/2,1"},
		{"0:1/4", "0,1/4,1/2,1", "0:1/4", "0,1/4,1/2,1"},
	} {
		seg, err := ParseSegment(c.s, c.seq)
		if err != nil || seg.String() != c.str || seg.Sequence() != c.sequence {
			t.Errorf("ParseSegment(%q, %q) = %v %q %v; want %q %q", c.s, c.seq, seg, seg.Sequence(), err, c.str, c.sequence)
		}
	}
	for _, c := range [][2]string{{"0/3", ""}, {"4/3", ""}, {"x", ""}, {"2/3:1/3", ""}, {"0:1/3", "0,1/2,1"}, {"0:1/2", "0,1/2,1/3"}, {"1/3:2/3", "0,1/1000003,1"}} {
		if _, err := ParseSegment(c[0], c[1]); err == nil {
			t.Errorf("ParseSegment(%q, %q): no error", c[0], c[1])
		}
	}
}

// Three runs of one constant-arrival-rate schedule, each with its segment, send the whole
// schedule once between them: the same intended times, no hit twice; closed executors split
// the VUs.
func TestSegmentRuns(t *testing.T) {
	exec, err := NewConstantArrivalRate(ConstantArrivalRateConfig{Rate: 200, Duration: 300 * time.Millisecond, PreAllocatedVUs: 6, MaxVUs: 30})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []time.Duration
	target := TargetFunc(func(_ context.Context, h *Hit) error {
		mu.Lock()
		got = append(got, h.Intended)
		mu.Unlock()
		return nil
	})
	var scheduled uint64
	for i := 1; i <= 3; i++ {
		seg, _ := ParseSegment(fmt.Sprintf("%d/3", i), "")
		res, err := exec.Run(context.Background(), target, WithSegment(seg))
		if err != nil {
			t.Fatal(err)
		}
		if res.VUs > 10 || !res.Balanced() {
			t.Errorf("segment %v: %d VUs (pool 6–30 scaled to 2–10), counts %+v", seg, res.VUs, res.Counts)
		}
		scheduled += res.Scheduled
	}
	var want []time.Duration
	p, _ := exec.Pacer()
	for n := uint64(0); ; n++ {
		at, ok := p.(SendTimer).SendTime(n)
		if !ok {
			break
		}
		want = append(want, at)
	}
	slices.Sort(got)
	if scheduled != 60 || !slices.Equal(got, want) {
		t.Errorf("scheduled %d, sent %d intended times; want the schedule's 60", scheduled, len(got))
	}

	closed, err := NewConstantVUs(ConstantVUsConfig{VUs: 10, Duration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	vus := 0
	for i := 1; i <= 3; i++ {
		seg, _ := ParseSegment(fmt.Sprintf("%d/3", i), "")
		res, _ := closed.Run(context.Background(), TargetFunc(func(context.Context, *Hit) error { time.Sleep(time.Millisecond); return nil }), WithSegment(seg))
		vus += res.VUs
	}
	if vus != 10 {
		t.Errorf("closed executor: %d VUs over three segments, want 10", vus)
	}
}
