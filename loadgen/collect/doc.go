// Package collect merges, while a test runs, the measurements of many load generators
// ("runners": k6 processes with `--out capsim=http://…`, or `capsim load --collect URL`) into one
// result, and evaluates k6-syntax thresholds on the merged data.
//
// # Wire format
//
// A runner POSTs JSON Batches to /v1/batches, one per second of data. A Batch names the runner
// (an id unique per process), its k6 execution segment ("1/3:2/3"), the Unix second the data
// belongs to and a part number (0; 1, 2, … for samples that reached the runner after it had
// sent that second), and holds Series: one metric with one tag set over that second — counters
// (count, sum), rates (count, non-zero count), gauges (last, min, max) and trends (count, exact
// sum/min/max and the HdrHistogram of round(value × Scale), V2-compressed and base64-encoded as
// hdrhistogram-go's Encode writes it). The answer is a Reply; Stop asks the runner to stop
// (a threshold with abortOnFail failed on the merged data).
//
// # Merging
//
// Series are merged by (second, metric, tag set) and in total by (metric, tag set). Histograms
// are merged bucket by bucket (HDR merge), so merged percentiles are those of all samples
// together, never averages of per-runner percentiles. The key (runner, segment, second, part)
// identifies a Batch: one received again (a retry after a lost reply) is counted once.
//
// Totals are exact for the whole run. Per-second histograms are kept while a second may still
// receive data (Settle seconds behind the newest second seen), then reduced to their count,
// sum, extremes and percentiles; a batch for a second already reduced still counts in the
// totals and the second's count, and is reported as late.
//
// # Runners
//
// A runner that has not sent its final batch and has been silent for longer than the
// collector's LostAfter is reported as lost, with its segment and the time of its last batch;
// its data so far stays in the result, which is marked invalid (its share of the schedule is
// missing).
package collect
