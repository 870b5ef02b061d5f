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
//     claimed capacity, predicted saturation with its 95 % interval, the capacity and what
//     limits it, the difference (capacity ÷ claimed − 1) × 100 in percent (saturation ÷
//     claimed when the result has no capacity; the saturation's own difference beside it
//     when storage binds), and a line of the failure analysis: survives N-1 with the worst
//     node, scheduled failures meeting the RTO and RPO targets, availability and its tier.
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
//     beside the claimed capacity (and the capacity, when some tier's storage limit binds), and
//     the capacity as a percentage of the claim. When a saturation point is more than 3× every
//     capacity and claim, the axis stops at twice the largest of those and the caption says
//     the taller bars are cut.
//   - failure-throughput and failure-latency (one pair per scheduled failure, from its 1 s
//     Timeline of replication 1): completed events/s (requests/s without events) with the
//     agents' retry backlog on a right-hand axis; P95 ms, one line per flow from the
//     failure's FlowTimelines, each with its own SLO target line in the flow's colour (a
//     failure without per-flow series: the all-flows P95 against the strictest target), and
//     failed plus dropped requests/s on the right. Both shade the store's health (green,
//     yellow, red) and mark the fault (AtS; "never detected" in its legend entry when no
//     mechanism detected it, as in the table), its detection (AtS + DetectionS), the repair
//     (AtS + RecoverAfterS) and the recovery (AtS + RTOS, the mean RTO of the table, labelled
//     "RTO" in the chart) with vertical lines. A second in which nothing of a flow completed
//     leaves a gap in its P95 line; P95 above 5× the largest target is drawn at the top edge
//     and the caption says so. The right-hand axis shares the left one's range (go-chart sets
//     both from one set of ticks); its round ticks are placed at value × k and its series
//     drawn multiplied by k. The two charts reserve the same width for their y labels so their
//     time axes line up. The timeline events are listed under the charts.
//   - failure-onset (only when the timeline is at least three times longer than the window):
//     P95 (per flow, as above) and throughput from 10 s before the fault to max(30 s,
//     1.5 × (detection + RTO)) after it, where a few seconds of outage would be a sliver on
//     the full charts.
//
// # Capacity and the failure analysis
//
// The summary and the verdict give Result.Capacity and what limits it: "Capacity 2,318
// sources, limited by storage: search-1 disk reaches the 85 % watermark with 30 days retained;
// performance saturation 71,239 sources (…) when the P95 of ingest passes 2,000 ms". The words
// come from the typed values (Result.CapacityBinds, Saturation.Binds: sim.Violation), never
// from parsing sim's sentences. Whether the verdict is green, the headroom checked against its
// target (capacity ÷ design − 1), the claim difference and the worst N-1 node are
// Result.Verdict's and the Result's methods, which the terminal summary uses too.
//
// A Failures section (when Result.Failures is not empty) has one table row per failure —
// detection, RTO with its interval and met / not met against the seed's RTO < 5 min, RPO
// events and lag window against RPO < 1 min, events lost (with the dropped and duplicated
// parts), failed requests, peak P95, drain time, degraded saturation — then each failure's
// two charts and its events. An N-1 table (node, role, survives, saturation, fraction of
// design, why) carries the sentence "Survives the loss of any one node: yes/no (worst: node
// at NN % of design load)"; the worst node is sim.WorstNMinus1's: the lowest fraction among
// the nodes whose loss the tier does not survive (among all nodes when it survives every one). The availability
// block gives the estimate with its interval (as many decimals as its nines need), downtime
// per year, the seed tier reached and the method. A failure that misses a target, or an N-1
// loss the tier does not survive, makes the verdict red.
//
// Degenerate data (fewer than two distinct loads, all-equal values, NaN or ±Inf) never reach
// go-chart, which can panic on them: the figure then holds a short "Not enough data" note.
// Tick positions are chosen here (1, 2, 2.5, 5 × 10ⁿ), never guessed by go-chart.
//
// The utilization trigger line is Result.UtilizationTrigger (drawn when it lies in (0, 1]).
package reports
