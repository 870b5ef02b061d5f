package sim

// Interval is an estimate over replications: the mean and its 95 % confidence interval
// (Student t with R−1 degrees of freedom). With one replication Lo = Hi = Mean.
type Interval struct {
	Mean float64    `json:"mean"`
	CI95 [2]float64 `json:"ci95"`
}

// Latency holds response-time statistics in milliseconds, each over replications.
type Latency struct {
	Mean Interval `json:"mean"`
	P50  Interval `json:"p50"`
	P95  Interval `json:"p95"`
	P99  Interval `json:"p99"`
}

// FlowResult is one flow at one load.
type FlowResult struct {
	Name string `json:"name"`
	// OfferedPerS is the offered arrival rate (requests/s); 0 for closed flows.
	OfferedPerS float64 `json:"offered_per_s"`
	// ThroughputPerS is completed requests per simulated second after warm-up.
	ThroughputPerS Interval `json:"throughput_per_s"`
	// EventsPerS is ThroughputPerS × events per request (batch size).
	EventsPerS float64 `json:"events_per_s"`
	// LatencyMS is the end-to-end response time in ms.
	LatencyMS Latency `json:"latency_ms"`
	// DropRatio is dropped / (completed + dropped).
	DropRatio Interval `json:"drop_ratio"`
	// P95TargetMS is the SLO target (0 = none); SLOMet says whether the mean P95 is under it.
	P95TargetMS float64 `json:"p95_target_ms,omitempty"`
	SLOMet      bool    `json:"slo_met"`
	// Analytic is the closed-form or MVA mean response time in ms, when the model allows it.
	AnalyticMeanMS *float64 `json:"analytic_mean_ms,omitempty"`
}

// StationResult is one station (a node's CPU or disk, a plain station, a pool or queue).
type StationResult struct {
	Name string `json:"name"`
	// Kind: "cpu", "disk", "station", "pool", "queue".
	Kind string `json:"kind"`
	// Node is the node a cpu/disk station belongs to.
	Node string `json:"node,omitempty"`
	// Component is the station or pool in typed form (not written to result.json).
	Component Component `json:"-"`
	Servers   int       `json:"servers"`
	// Utilization is busy servers / Servers, time-averaged (0..1); for a node CPU with a
	// cpu_limit, CPU time / (CPULimit × time).
	Utilization Interval `json:"utilization"`
	// CPULimit is the node's CFS quota in CPUs (0: none); ThrottledPeriods the fraction of the
	// quota periods with work in which the budget ran out and the node stalled (CFS
	// nr_throttled / nr_periods), when the quota can bind (CPULimit < Servers).
	CPULimit         float64   `json:"cpu_limit,omitempty"`
	ThrottledPeriods *Interval `json:"throttled_periods,omitempty"`
	// MeanQueueLength is the time-averaged number waiting (not in service).
	MeanQueueLength Interval `json:"mean_queue_length"`
	// MeanInSystem is the time-averaged number present (waiting + in service), L of Little's law.
	MeanInSystem Interval `json:"mean_in_system"`
	// ThroughputPerS is visits completed per second, λ of Little's law.
	ThroughputPerS Interval `json:"throughput_per_s"`
	// MeanResponseMS is the mean time per visit (wait + service) in ms, W of Little's law. For
	// a pool or queue (from asking for a token to releasing it) it is computed by that law,
	// W = L / λ per replication, λ the arrivals admitted (ThroughputPerS less those refused by
	// a full waiting line).
	MeanResponseMS Interval `json:"mean_response_ms"`
	// AnalyticUtilization is λ·D/c from the utilization law (open flows), for comparison.
	AnalyticUtilization float64 `json:"analytic_utilization"`
	// AnalyticMeanResponseMS is the closed-form mean response time where the station is a
	// textbook queue (M/M/c, M/D/1, M/G/1, M/M/c/K).
	AnalyticMeanResponseMS *float64 `json:"analytic_mean_response_ms,omitempty"`
	// Drops counts arrivals lost to a full capacity (per replication, mean).
	Drops float64 `json:"drops"`
}

// NodeResult is one machine at design load.
type NodeResult struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Cores int    `json:"cores"`
	// CPULimit is the node's CFS quota in CPUs (0: none); CPUUtilization is then against it.
	CPULimit        float64  `json:"cpu_limit,omitempty"`
	CPUUtilization  Interval `json:"cpu_utilization"`
	DiskUtilization Interval `json:"disk_utilization"`
	MemoryBytes     float64  `json:"memory_bytes"`
	MemoryUsedBytes float64  `json:"memory_used_bytes"`
	Components      []string `json:"components,omitempty"`
}

// Point is the model at one load of the sweep.
type Point struct {
	Load     float64         `json:"load"`
	Flows    []FlowResult    `json:"flows"`
	Stations []StationResult `json:"stations"`
	// SLOMet says whether every criterion of the SLO held at this load.
	SLOMet bool `json:"slo_met"`
	// Violations names what failed ("P95 of ingest 2300 ms > 2000 ms", "utilization of
	// search-1/cpu 0.83 > 0.70"): Breaches[i].String(), kept for older readers.
	Violations []string `json:"violations,omitempty"`
	// Breaches are the same violations, typed, in the same order. Not written to
	// result.json, which keeps the sentences (see Result).
	Breaches []Violation `json:"-"`
	// Stable is false when queues grew without bound (throughput below offered).
	Stable bool `json:"stable"`
}

// Saturation is the largest load that meets the SLO.
type Saturation struct {
	Variable string `json:"variable"`
	Unit     string `json:"unit,omitempty"`
	// Value is the mean over replications of each replication's saturation point.
	Value float64    `json:"value"`
	CI95  [2]float64 `json:"ci95"`
	// Limit is the criterion that binds at the saturation point, as a sentence (the Binds'
	// sentences joined by "; ", or "SLO still met at the search maximum").
	Limit string `json:"limit"`
	// Binds are the SLO criteria that failed just above the saturation point, in the
	// replication whose binding criterion most replications share; empty when that
	// replication still met the SLO at the top of the search. Not written to result.json.
	Binds []Violation `json:"-"`
	// Bounded is false when the SLO still held at the search maximum (Value is a lower bound).
	Bounded bool `json:"bounded"`
	// AnalyticBound is the utilization-law bound: the load at which the bottleneck reaches the
	// utilization trigger (or 1.0 without one).
	AnalyticBound float64 `json:"analytic_bound"`
}

// Advice is what one change to the bottleneck buys.
type Advice struct {
	Change     string  `json:"change"`
	Saturation float64 `json:"saturation"`
	// GainPercent is the change of the saturation point against the unchanged model.
	GainPercent float64 `json:"gain_percent"`
	Bottleneck  string  `json:"bottleneck"`
}

// Trigger is a scaling trigger (seed 004) evaluated at design load.
type Trigger struct {
	Name      string  `json:"name"`
	Subject   string  `json:"subject"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Fired     bool    `json:"fired"`
	Source    string  `json:"source"`
}

// NodeStorage is the disk growth of one data node.
type NodeStorage struct {
	Node          string  `json:"node"`
	BytesPerDay   float64 `json:"bytes_per_day"`
	DiskBytes     float64 `json:"disk_bytes"`
	DaysUntilFull float64 `json:"days_until_full"`
}

// StorageResult is the storage growth at design load.
type StorageResult struct {
	EventsPerS float64 `json:"events_per_s"`
	// RawBytesPerMonth is ingested bytes (30-day month) before replication and index overhead.
	RawBytesPerMonth float64 `json:"raw_bytes_per_month"`
	// StoredBytesPerMonth is after index overhead and replication.
	StoredBytesPerMonth float64       `json:"stored_bytes_per_month"`
	Nodes               []NodeStorage `json:"nodes"`
	// RetentionDays is the scenario's retention (0 = not given).
	RetentionDays float64 `json:"retention_days,omitempty"`
	// Watermark is the fraction of a disk that may fill (Elasticsearch's default low disk
	// watermark, 85 %).
	Watermark float64 `json:"watermark,omitempty"`
	// CapacityLoad is the load whose retained data fills the fullest data node to the watermark
	// (0 when no retention is given): the storage-limited capacity.
	CapacityLoad float64 `json:"capacity_load,omitempty"`
	// CapacityNode is the data node that fills first.
	CapacityNode string `json:"capacity_node,omitempty"`
}

// Result is everything one scenario run produced. Its JSON form is result.json. The typed
// forms of the verdict and the limits (Breaches, Saturation.Binds, CapacityBinds) are for
// the reporters in this process and are not written: result.json keeps the sentences
// (Violations, Saturation.Limit, CapacityLimit), each the String of its typed form, so its
// bytes do not change with this API.
type Result struct {
	Scenario    string       `json:"scenario"`
	Title       string       `json:"title,omitempty"`
	File        string       `json:"file,omitempty"`
	Description string       `json:"description,omitempty"`
	Sources     []Citation   `json:"sources,omitempty"`
	Assumptions []Assumption `json:"assumptions,omitempty"`
	Settings    Settings     `json:"settings"`

	LoadVariable string  `json:"load_variable"`
	LoadUnit     string  `json:"load_unit,omitempty"`
	DesignLoad   float64 `json:"design_load"`
	// ClaimedCapacity is the seed's claimed capacity (0 when none).
	ClaimedCapacity float64 `json:"claimed_capacity,omitempty"`
	// CPUPerEvent is the model's CPU per event at design load beside the one the seed's sizing
	// implies (nil for a model without nodes, and for a measured result).
	CPUPerEvent *CPUPerEvent `json:"cpu_per_event,omitempty"`

	// Flows, Stations and Nodes at design load.
	Flows    []FlowResult    `json:"flows"`
	Stations []StationResult `json:"stations"`
	Nodes    []NodeResult    `json:"nodes,omitempty"`
	// SLOMet is the verdict at design load (DesignVerdict): every SLO criterion holds there and
	// the disks retain the design load (storage-limited capacity ≥ design load). Violations
	// say what fails.
	SLOMet     bool     `json:"slo_met"`
	Violations []string `json:"violations,omitempty"`
	// Breaches are the Violations, typed, in the same order (nil for a measured result).
	// Not written to result.json.
	Breaches []Violation `json:"-"`

	Saturation *Saturation `json:"saturation,omitempty"`
	// Bottleneck is the station that limits the saturation point (its name; BottleneckOf
	// in typed form, not written to result.json).
	Bottleneck   string    `json:"bottleneck"`
	BottleneckOf Component `json:"-"`
	// Capacity is the tier's capacity in load units: the smaller of the saturation point
	// (performance) and the storage-limited capacity; CapacityLimit says which binds.
	Capacity      float64 `json:"capacity,omitempty"`
	CapacityLimit string  `json:"capacity_limit,omitempty"`
	// CapacityBinds is Capacity and CapacityLimit in typed form (CapacityLimit is its
	// String); nil without a saturation search. Not written to result.json.
	CapacityBinds *Capacity `json:"-"`
	// HeadroomPercent is (saturation / design − 1) × 100: the headroom on performance alone.
	HeadroomPercent float64 `json:"headroom_percent"`
	// CapacityHeadroomPercent is (Capacity / design − 1) × 100: the headroom on every limit
	// (performance and storage); the one the verdict, the comparison and N-1 use.
	CapacityHeadroomPercent float64 `json:"capacity_headroom_percent"`
	// UtilizationTrigger is the SLO's utilization trigger (0..1; 0 = none).
	UtilizationTrigger float64 `json:"utilization_trigger,omitempty"`
	// HeadroomTarget is the SLO's wanted headroom in percent.
	HeadroomTarget float64 `json:"headroom_target_percent,omitempty"`
	// Sweep holds the model at each load of the sweep, ascending.
	Sweep    []Point        `json:"sweep,omitempty"`
	Advice   []Advice       `json:"advice,omitempty"`
	Triggers []Trigger      `json:"triggers,omitempty"`
	Storage  *StorageResult `json:"storage,omitempty"`
	// Notes are modelling statements the report must show (how the model was built).
	Notes []string `json:"notes,omitempty"`
	// Precision is the precision achieved against sim.precision (nil with a fixed replication
	// count); Warmup the warm-up detected per replication (nil with a fixed warm-up).
	Precision *PrecisionResult `json:"precision,omitempty"`
	Warmup    *WarmupResult    `json:"warmup,omitempty"`
	// Validation is set by capsim validate on the calibrated model's result of the miniature:
	// the validate.Report (every predicted-against-measured pair; fixtures/validate documents
	// its fields). Nil for capsim run.
	Validation any `json:"validation,omitempty"`

	// Failures, NMinus1 and Availability are the failure analysis (issue 3), when asked for.
	Failures     []FailureResult     `json:"failures,omitempty"`
	NMinus1      []NMinus1Row        `json:"n_minus_1,omitempty"`
	Availability *AvailabilityResult `json:"availability,omitempty"`
}

// Citation mirrors scenarios.Citation for the result.
type Citation struct {
	File    string `json:"file"`
	Section string `json:"section,omitempty"`
	Says    string `json:"says,omitempty"`
}

// Assumption mirrors scenarios.Assumption for the result.
type Assumption struct {
	What   string `json:"what"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// File is the scenario file the assumption is written in: the tier file, or a file it
	// includes or extends (a system file, a calibration profile). Empty for assumptions made by
	// the command line.
	File string `json:"file,omitempty"`
}

// Settings records how the model was run.
type Settings struct {
	Seed         uint64  `json:"seed"`
	Replications int     `json:"replications"`
	DurationS    float64 `json:"duration_s"`
	WarmupS      float64 `json:"warmup_s"`
	// FailureDurationS is the simulated seconds (after the warm-up) of each failure-run
	// replication, when the scenario has failures: duration_s extended to 5 minutes past the last
	// fault's repair, so every fault is injected and its recovery seen. The failure results come
	// from runs of this length, not of duration_s.
	FailureDurationS float64 `json:"failure_duration_s,omitempty"`
	// Events is the number of kernel events processed over the whole run.
	Events int64 `json:"events"`
	// Overrides are the what-if assignments applied to the scenario file (--set, --load), in
	// order, e.g. "load.design=8000".
	Overrides []string `json:"overrides,omitempty"`
	// Miniature is set when the run predicts for the containerized miniature of the scenario
	// (capsim run --cluster-scale, scenarios.Scenario.Miniature), not for the tier as written.
	Miniature *Miniature `json:"miniature,omitempty"`
	// Version is the capsim that produced the result, as `capsim version` prints it (module
	// version and VCS revision); set by the command, empty for a library call.
	Version string `json:"version,omitempty"`
	// ScenarioSHA256 is scenarios.Scenario.SHA256 of the scenario simulated (or measured):
	// its resolved content, composition and overrides included; set by the command.
	ScenarioSHA256 string `json:"scenario_sha256,omitempty"`
}

// Miniature is the containerized miniature a result is the prediction for.
type Miniature struct {
	// Scale: node CPU limits are cores × Scale CPUs (CFS quotas) and every flow's load × Scale.
	Scale float64 `json:"cluster_scale"`
	// PinnedCPUs is the number of physical CPUs the containers are pinned to.
	PinnedCPUs int `json:"pinned_cpus"`
}

// FailureResult is what one scheduled failure cost (issue 3), over replications.
type FailureResult struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	// On is Target in typed form (not written to result.json).
	On   Component `json:"-"`
	Kind string    `json:"kind"`
	AtS  float64   `json:"at_s"`
	// RecoverAfterS is the scenario's repair time (0 = not repaired during the run).
	RecoverAfterS float64 `json:"recover_after_s"`
	// DetectionS is when the failure was detected (health check, Patroni, Sentinel, the search
	// master), seconds after the fault; 0 when nothing had to detect it.
	DetectionS Interval `json:"detection_s"`
	// Detected is false when no mechanism reacted (nothing to fail over to).
	Detected bool `json:"detected"`
	// RTOS is the time from the fault until throughput and P95 of every flow are back within the
	// SLO for 10 consecutive seconds (the whole remaining run when they never are: see Recovered).
	RTOS      Interval `json:"rto_s"`
	Recovered bool     `json:"recovered"`
	// RPOEvents is acknowledged events lost (asynchronous replication), RPOS the lag window.
	RPOEvents Interval `json:"rpo_events"`
	RPOS      float64  `json:"rpo_s"`
	// LostEvents is events never stored: dropped by full agent buffers or failed requests that
	// are not retried. DroppedEvents the part dropped by full buffers and queues.
	LostEvents    Interval `json:"lost_events"`
	DroppedEvents Interval `json:"dropped_events"`
	// DuplicatedEvents is events stored twice because a partly written request was retried.
	DuplicatedEvents Interval `json:"duplicated_events"`
	// FailedRequests is requests that failed at least once.
	FailedRequests Interval `json:"failed_requests"`
	// PeakP95MS is the highest per-second P95 between the fault and recovery.
	PeakP95MS Interval `json:"peak_p95_ms"`
	// DrainS is the time the agents' retry backlog took to empty after the fault was repaired.
	DrainS Interval `json:"drain_s"`
	// DegradedSaturation is the saturation point with the target down (load units); 0 when not
	// computed.
	DegradedSaturation float64 `json:"degraded_saturation"`
	// Timeline is replication 1's per-second series.
	Timeline []TimePoint `json:"timeline"`
	// FlowTimelines are replication 1's per-second series of each flow, in the scenario's flow
	// order, over the same seconds as Timeline (element i belongs to Timeline[i]).
	FlowTimelines []FlowTimeline `json:"flow_timelines,omitempty"`
	// Events lists what happened when (detection, promotion, failover, restart), replication 1.
	Events []TimelineEvent `json:"events,omitempty"`
	// RTOMet / RPOMet compare with the seed's targets (RTO < 5 min, RPO < 1 min, seed 001).
	RTOMet bool `json:"rto_met"`
	RPOMet bool `json:"rpo_met"`
}

// TimePoint is one second of a failure run.
type TimePoint struct {
	T float64 `json:"t"` // seconds since the end of warm-up
	// ThroughputPerS is completed requests, EventsPerS completed events, of every flow.
	ThroughputPerS float64 `json:"throughput_per_s"`
	EventsPerS     float64 `json:"events_per_s"`
	// P95MS of requests completed in this second (all flows; each flow's own P95 is in
	// FailureResult.FlowTimelines).
	P95MS float64 `json:"p95_ms"`
	// Errors is failed request attempts, Dropped requests given up.
	Errors  float64 `json:"errors"`
	Dropped float64 `json:"dropped"`
	// Backlog is requests held by agents for retry.
	Backlog float64 `json:"backlog"`
	// Health is the sharded store's health: "green", "yellow" or "red" ("" without a store).
	Health string `json:"health,omitempty"`
	// Down is the number of nodes or instances down (as the system sees them).
	Down int `json:"down"`
}

// FlowTimeline is one flow's per-second series over a failure's Timeline.
type FlowTimeline struct {
	Flow string `json:"flow"`
	// P95TargetMS is the flow's SLO target (slo.p95; 0 = none).
	P95TargetMS float64 `json:"p95_target_ms,omitempty"`
	// P95MS is the P95 of the flow's requests completed in each second (ms; 0 when none
	// completed), ThroughputPerS how many completed.
	P95MS          []float64 `json:"p95_ms"`
	ThroughputPerS []float64 `json:"throughput_per_s"`
}

// TimelineEvent is a mechanism's action during a failure run.
type TimelineEvent struct {
	T    float64 `json:"t"`
	What string  `json:"what"`
}

// NMinus1Row is the tier with one node down at design load (--n-1).
type NMinus1Row struct {
	Node string `json:"node"`
	Role string `json:"role,omitempty"`
	// Survives: every flow still has a path and the tier meets its SLO at design load with the
	// node down, by the rule of Result.SLOMet (performance and storage).
	Survives bool `json:"survives"`
	// Saturation is the performance saturation point with the node down (load units);
	// StorageCapacity the storage-limited capacity of the remaining data nodes (0 = none);
	// FractionOfDesign is the smaller of the two as a fraction of design load.
	Saturation       float64 `json:"saturation"`
	StorageCapacity  float64 `json:"storage_capacity,omitempty"`
	FractionOfDesign float64 `json:"fraction_of_design"`
	// Why names what breaks (a service with no instance left, red shards, the SLO criterion).
	Why string `json:"why,omitempty"`
}

// AvailabilityResult is the Monte Carlo availability over the random failure processes.
type AvailabilityResult struct {
	Availability Interval `json:"availability"`
	// DowntimePerYearH is (1 − availability) × 8760 h.
	DowntimePerYearH float64 `json:"downtime_per_year_h"`
	// Tier is the seed's availability tier reached: "Standard 99.0%", "High 99.9%", "Very High
	// 99.99%", "Mission Critical 99.999%" or "below 99.0%" (seed 001).
	Tier string `json:"tier"`
	// TierReached is false when Tier is "below 99.0%" (no tier reached). Not written to
	// result.json.
	TierReached bool `json:"-"`
	// Method states the model (structure function, distributions, horizon, replications).
	Method string `json:"method"`
}
