package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// TraceGen generates the trace of a scenario's flows one record at a time, in offset order, so
// a trace of any length is written in bounded memory (WriteTo; `capsim trace gen`). Each flow
// draws from its own random stream and yields its records in time order; TraceGen merges the
// flows' streams, taking on equal offsets the flow listed first. The records, their order and
// the bytes WriteTo writes depend only on the scenario, the flows, the duration and the seed.
type TraceGen struct {
	flows []*traceFlow
	count int
}

// traceFlow is one flow's stream of records: head is its next record (ok false when the stream
// has ended).
type traceFlow struct {
	fl     FlowLoad
	rng    *rand.Rand
	rate   float64 // requests per second
	end    float64 // the trace's length, s
	kinds  []string
	cum    []float64
	evSize float64
	t      float64
	head   TraceRecord
	kind   int // index of head's kind
	ok     bool
	// kindJSON[i] and flowJSON are kinds[i] and the flow's name as JSON strings (WriteTo)
	kindJSON [][]byte
	flowJSON []byte
}

// NewTraceGen prepares the trace of duration d from the flows of sc (all flows, in file order,
// when names is empty) at design load: each open flow is a Poisson stream of requests at its
// rate (agent flows: batches from sources drawn uniformly, the superposition of one Poisson
// stream per source; deterministic arrivals: evenly spaced); a closed flow is approximated by
// the open rate Population / mean think time (an upper bound: response time is ignored). Kinds
// are the flow's mix names by weight, else event kinds (DefaultKindMix) for agent flows, else
// the flow name. Flow i of names draws from the PCG stream (seed, i+1). Offsets are in ms,
// rounded to the µs.
//
// Errors: d ≤ 0, no flows, an unknown flow, a closed flow without think time, and more than
// MaxTraceRecords records expected (the flows' rates × d), so nothing is generated in vain.
func NewTraceGen(sc *scenarios.Scenario, names []string, d time.Duration, seed uint64) (*TraceGen, error) {
	if d <= 0 {
		return nil, errors.New("loadgen: trace duration must be > 0")
	}
	if sc == nil || len(sc.Flows) == 0 {
		return nil, errors.New("loadgen: the scenario has no flows")
	}
	if len(names) == 0 {
		for _, f := range sc.Flows {
			names = append(names, f.Name)
		}
	}
	g := &TraceGen{}
	expected := 0.0
	for i, n := range names {
		fl, err := FlowLoadOf(sc, n)
		if err != nil {
			return nil, err
		}
		rate := fl.RatePerS
		if fl.Population > 0 {
			m := fl.Think.MeanSeconds()
			if !(m > 0) {
				return nil, fmt.Errorf("loadgen: closed flow %q has no think time: cannot turn it into a trace", fl.Name)
			}
			rate = float64(fl.Population) / m
		}
		expected += rate * d.Seconds()
		if expected > MaxTraceRecords {
			return nil, fmt.Errorf("loadgen: flow %q: %.0f records in %v exceed %d: shorten --duration", fl.Name, rate*d.Seconds(), d, MaxTraceRecords)
		}
		tf := &traceFlow{fl: fl, rng: rand.New(rand.NewPCG(seed, uint64(i)+1)), rate: rate, end: d.Seconds()}
		tf.kinds, tf.cum = traceKinds(fl)
		tf.evSize = fl.EventSize
		if tf.evSize == 0 && fl.AgentFlow() {
			tf.evSize = 500 // assumed mean raw event size when the flow gives none
		}
		if tf.flowJSON, err = json.Marshal(fl.Name); err != nil {
			return nil, err
		}
		for _, k := range tf.kinds {
			b, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			tf.kindJSON = append(tf.kindJSON, b)
		}
		tf.advance()
		g.flows = append(g.flows, tf)
	}
	return g, nil
}

// GenerateTrace is NewTraceGen's whole trace in memory (at most MaxTraceRecords records); to
// write a long trace, use NewTraceGen and WriteTo.
func GenerateTrace(sc *scenarios.Scenario, names []string, d time.Duration, seed uint64) ([]TraceRecord, error) {
	g, err := NewTraceGen(sc, names, d, seed)
	if err != nil {
		return nil, err
	}
	var out []TraceRecord
	for {
		rec, ok := g.Next()
		if !ok {
			return out, nil
		}
		out = append(out, rec)
	}
}

// advance draws the flow's next record into head (ok false past the end).
func (f *traceFlow) advance() {
	if f.fl.Poisson {
		f.t += f.rng.ExpFloat64() / f.rate
	} else {
		f.t += 1 / f.rate
	}
	if f.t >= f.end {
		f.ok = false
		return
	}
	u := f.rng.Float64()
	k := len(f.kinds) - 1
	for j, c := range f.cum {
		if u < c {
			k = j
			break
		}
	}
	rec := TraceRecord{OffsetMS: math.Round(f.t*1e6) / 1e3, Kind: f.kinds[k], Flow: f.fl.Name}
	switch {
	case f.fl.AgentFlow():
		rec.Source = uint32(f.rng.IntN(f.fl.Sources))
		rec.Events = f.fl.Batch
		rec.Size = int(f.evSize * float64(f.fl.Batch))
	case f.fl.Population > 0:
		rec.Source = uint32(f.rng.IntN(f.fl.Population))
	}
	f.head, f.kind, f.ok = rec, k, true
}

// next is the flow whose head comes first (the earliest offset, the first flow on a tie), nil
// when every stream has ended.
func (g *TraceGen) next() *traceFlow {
	var best *traceFlow
	for _, f := range g.flows {
		if f.ok && (best == nil || f.head.OffsetMS < best.head.OffsetMS) {
			best = f
		}
	}
	return best
}

// Next returns the next record of the trace; false when the trace has ended.
func (g *TraceGen) Next() (TraceRecord, bool) {
	f := g.next()
	if f == nil {
		return TraceRecord{}, false
	}
	rec := f.head
	f.advance()
	g.count++
	return rec, true
}

// Count is the number of records generated so far.
func (g *TraceGen) Count() int { return g.count }

// WriteTo writes the rest of the trace to w as JSON Lines, the bytes WriteTrace writes for the
// same records, buffering at most 64 KiB; it returns the bytes written. Memory does not grow
// with the trace's length.
func (g *TraceGen) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int64
	line := make([]byte, 0, 256)
	for {
		f := g.next()
		if f == nil {
			break
		}
		line = appendTraceLine(line[:0], &f.head, f.kindJSON[f.kind], f.flowJSON)
		m, err := bw.Write(line)
		n += int64(m)
		if err != nil {
			return n, err
		}
		f.advance()
		g.count++
	}
	return n, bw.Flush()
}

// appendTraceLine appends rec as encoding/json's Encoder writes a TraceRecord (one line, its
// fields in order, events and flow left out when empty), with kind and flow already JSON
// strings, without allocating.
func appendTraceLine(b []byte, rec *TraceRecord, kind, flow []byte) []byte {
	b = append(b, `{"offset_ms":`...)
	b = appendJSONFloat(b, rec.OffsetMS)
	b = append(b, `,"source":`...)
	b = strconv.AppendUint(b, uint64(rec.Source), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(rec.Size), 10)
	b = append(b, `,"kind":`...)
	b = append(b, kind...)
	if rec.Events != 0 {
		b = append(b, `,"events":`...)
		b = strconv.AppendInt(b, int64(rec.Events), 10)
	}
	if rec.Flow != "" {
		b = append(b, `,"flow":`...)
		b = append(b, flow...)
	}
	return append(b, "}\n"...)
}

// appendJSONFloat formats a finite float64 as encoding/json does (ES6 number to string: 'f'
// format, 'e' below 1e-6 and from 1e21 on, the exponent without leading zeros).
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func traceKinds(fl FlowLoad) ([]string, []float64) {
	var kinds []string
	var w []float64
	switch {
	case len(fl.Mix) > 0:
		for _, m := range fl.Mix {
			kinds, w = append(kinds, m.Name), append(w, m.Weight)
		}
	case fl.AgentFlow():
		for _, m := range DefaultKindMix {
			kinds, w = append(kinds, m.Kind), append(w, m.Weight)
		}
	default:
		kinds, w = []string{fl.Name}, []float64{1}
	}
	tot := 0.0
	for _, x := range w {
		tot += x
	}
	cum := make([]float64, len(w))
	acc := 0.0
	for i, x := range w {
		acc += x / tot
		cum[i] = acc
	}
	cum[len(cum)-1] = 1
	return kinds, cum
}
