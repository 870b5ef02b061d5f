package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"
)

// TraceRecord is one line of a trace file (JSON Lines, fixtures/traces/*.jsonl):
//
//	{"offset_ms":12.5,"source":17,"size":5120,"kind":"syslog","events":10,"flow":"ingest"}
//
// OffsetMS is the send time in ms from the start of the trace (non-decreasing); Source the data
// source (agent, device, user) id; Size the payload in bytes; Kind the event kind or request
// class; Events the events in the batch (0 means 1); Flow the scenario flow it came from.
type TraceRecord struct {
	OffsetMS float64 `json:"offset_ms"`
	Source   uint32  `json:"source"`
	Size     int     `json:"size"`
	Kind     string  `json:"kind"`
	Events   int     `json:"events,omitempty"`
	Flow     string  `json:"flow,omitempty"`
}

// MaxTraceRecords bounds what ReadTrace accepts.
const MaxTraceRecords = 20_000_000

// ReadTrace reads a JSON Lines trace. Errors carry the line number; offsets must not decrease.
func ReadTrace(r io.Reader) ([]TraceRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []TraceRecord
	line := 0
	last := 0.0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var rec TraceRecord
		dec := json.NewDecoder(bytesReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("loadgen: trace line %d: %w", line, err)
		}
		switch {
		case math.IsNaN(rec.OffsetMS) || math.IsInf(rec.OffsetMS, 0) || rec.OffsetMS < 0:
			return nil, fmt.Errorf("loadgen: trace line %d: offset_ms %v must be ≥ 0", line, rec.OffsetMS)
		case rec.OffsetMS < last:
			return nil, fmt.Errorf("loadgen: trace line %d: offset_ms %v goes back in time (previous %v)", line, rec.OffsetMS, last)
		case rec.Size < 0 || rec.Events < 0:
			return nil, fmt.Errorf("loadgen: trace line %d: negative size or events", line)
		case rec.OffsetMS > float64(DefaultMaxDuration/time.Millisecond):
			return nil, fmt.Errorf("loadgen: trace line %d: offset_ms beyond %v", line, DefaultMaxDuration)
		}
		last = rec.OffsetMS
		out = append(out, rec)
		if len(out) > MaxTraceRecords {
			return nil, fmt.Errorf("loadgen: trace has more than %d records", MaxTraceRecords)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: trace line %d: %w", line+1, err)
	}
	if len(out) == 0 {
		return nil, errors.New("loadgen: trace is empty")
	}
	return out, nil
}

// WriteTrace writes records as JSON Lines.
func WriteTrace(w io.Writer, recs []TraceRecord) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ScaleTrace returns the trace with offsets multiplied by timeScale (0.5 = twice as fast) and
// the number of sources multiplied by sourceScale: with sourceScale ≥ 1 every record is
// repeated ⌊s⌋ times as sources src + j·(maxSource+1), plus once more for the fraction s−⌊s⌋
// of sources; with s < 1 only that fraction of sources is kept. Sources are picked by a fixed
// hash of their id, so the same trace and scale give the same result. The result is ordered
// by offset.
func ScaleTrace(recs []TraceRecord, timeScale, sourceScale float64) ([]TraceRecord, error) {
	if !(timeScale > 0) || math.IsInf(timeScale, 0) {
		return nil, fmt.Errorf("loadgen: time scale %v must be > 0", timeScale)
	}
	if !(sourceScale > 0) || sourceScale > 1000 {
		return nil, fmt.Errorf("loadgen: source scale %v must be in (0, 1000]", sourceScale)
	}
	var maxSrc uint32
	for _, r := range recs {
		maxSrc = max(maxSrc, r.Source)
	}
	whole := int(math.Floor(sourceScale))
	frac := sourceScale - float64(whole)
	est := float64(len(recs)) * math.Ceil(sourceScale)
	if est > MaxTraceRecords {
		return nil, fmt.Errorf("loadgen: scaled trace would have %.0f records (max %d)", est, MaxTraceRecords)
	}
	out := make([]TraceRecord, 0, int(est))
	for _, r := range recs {
		r.OffsetMS *= timeScale
		for j := 0; j < whole; j++ {
			c := r
			c.Source = r.Source + uint32(j)*(maxSrc+1)
			out = append(out, c)
		}
		if frac > 0 && sourceHash(r.Source) < frac {
			c := r
			c.Source = r.Source + uint32(whole)*(maxSrc+1)
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b TraceRecord) int {
		switch {
		case a.OffsetMS < b.OffsetMS:
			return -1
		case a.OffsetMS > b.OffsetMS:
			return 1
		}
		return 0
	})
	return out, nil
}

// sourceHash maps a source id to [0,1) (Fibonacci hashing).
func sourceHash(s uint32) float64 {
	return float64(uint32(uint64(s)*2654435761)) / (1 << 32)
}

func replayFromFile(path string, timeScale, sourceScale float64, pre, max int, grace time.Duration) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loadgen: trace: %w", err)
	}
	defer f.Close()
	recs, err := ReadTrace(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return NewReplay(ReplayConfig{Trace: recs, TimeScale: timeScale, SourceScale: sourceScale, PreAllocatedVUs: pre, MaxVUs: max, GracefulStop: grace})
}
