// Package capout is the file format of k6's `--out capsim=FILE` output and its merge.
//
// A file is NDJSON. The first line is a Header; every other line is a Record: one metric over
// one interval (default 1 s, aligned to the Unix epoch so that k6 instances started at different
// moments put their samples into the same intervals). Records are written in interval order,
// metrics sorted by name inside an interval; a sample that arrives after its interval was
// written produces a second record for the same (interval, metric), which readers add up.
//
// Values follow k6's metric types:
//
//   - trend: Count samples, exact Sum/Min/Max, and an HDR histogram (HdrHistogram V2 compressed,
//     base64) of round(value × Scale). Time trends are in ms, so Scale 1000 stores µs. The
//     histogram tracks 1 … HighestTrackable with 3 significant digits (relative error ≤ 0.1 %);
//     larger values are clamped to HighestTrackable and counted in Clamped.
//   - counter: Count samples and their Sum.
//   - rate: Count samples and Sum = number of non-zero samples.
//   - gauge: Count samples, the Last value in the interval, Min and Max.
//
// Merge combines files written by several k6 instances run with `--execution-segment`
// (k6-operator style): histograms are merged bucket by bucket (HDR merge), so the merged
// percentiles are those of the union of all samples, exactly as if one instance had recorded
// them, up to the histogram's 3-digit resolution. Percentiles are never averaged.
package capout
