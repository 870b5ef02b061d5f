// Package reports turns simulation results (sim.Result) into the files a capsim run leaves
// behind: result.json, comparison.json and one self-contained report.html.
//
// It only reads result types and writes to an io.Writer; the caller (cmd/capsim) opens the
// files. Nothing here computes a model number: every figure in a report is a field of the
// Result, or a ratio of two fields stated where it appears (headroom, difference against the
// claimed capacity).
//
// # Files
//
//   - WriteJSON: result.json, the Result as indented JSON in declaration order. Same Result,
//     same bytes. NaN and ±Inf are refused with an error naming the field (JSON has no such
//     numbers).
//   - WriteComparisonJSON: comparison.json, one TierComparison per result: design load,
//     claimed capacity, predicted saturation with its 95 % interval, and the difference
//     (predicted ÷ claimed − 1) × 100 in percent.
//   - WriteHTML: report.html. With several results a tier-comparison section comes first,
//     then one section per result in input order.
//
// # The HTML report
//
// One file with no external resource: inline CSS, inline SVG, no script, no font, no image,
// no link outside the document (tests parse it to check). Templates are embedded with
// go:embed and executed by html/template, which escapes every text that comes from the
// scenario (names, descriptions, assumptions, notes). Charts are drawn by
// github.com/wcharczuk/go-chart/v2 with its SVG renderer; go-chart writes text into the SVG
// unescaped, so every text run is XML-escaped on its way in (escapingRenderer), and only
// that SVG is embedded as template.HTML. Legends are HTML, beside the SVG, so a chart with
// twenty stations stays readable.
//
// Units: loads in the scenario's load unit (sources, devices, users); response times in ms;
// throughput in requests/s; utilization as a percentage of the station's servers
// (time-averaged busy servers ÷ servers, 0–100 %); bytes in SI units (1 TB = 10¹² B); days
// of 24 h. Intervals are the 95 % confidence intervals of the Result (Student t over
// replications), shown in small type under each mean.
//
// Charts, each in <figure data-chart="NAME"> with a <figcaption>:
//
//   - latency (per flow): P50, P95, P99 against load, the SLO's P95 target as a horizontal
//     line, the saturation point as a vertical line over its shaded interval, the design load
//     dotted. Past saturation response times explode, so the axis stops at 3× the larger of the
//     target and the highest stable P99; clipped values are said so in the caption.
//   - throughput (per flow): completed against offered requests/s with the diagonal
//     throughput = offered; a closed flow is drawn against the load instead.
//   - utilization: every station against load with the utilization trigger; one chart per
//     kind (CPU, disk, other) above eight stations.
//   - node-cpu: horizontal bars of each node's CPU at design load with the 95 % interval;
//     bars over the trigger are red.
//   - storage: stored bytes per node from an empty disk at the design ingest rate, until full.
//   - tier-comparison and tier-ratio (several results): predicted saturation with its interval
//     beside the claimed capacity, and the prediction as a percentage of the claim.
//
// Degenerate data (fewer than two distinct loads, all-equal values, NaN or ±Inf) never reach
// go-chart, which can panic on them: the figure then holds a short "Not enough data" note.
// Tick positions are chosen here (1, 2, 2.5, 5 × 10ⁿ), never guessed by go-chart.
//
// The utilization trigger line is Result.UtilizationTrigger (drawn when it lies in (0, 1]).
package reports
