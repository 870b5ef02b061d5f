// Package scenarios holds capsim's scenario format (types.go, units.go), the built-in scenario
// files (the seed tiers and textbook examples, embedded in the binary), and the loader that
// turns a YAML file into a validated *Scenario.
//
// # Loading
//
//	s, err := scenarios.LoadFile("medium", scenarios.WithSet("load.design=8000"))
//
// LoadFile accepts a path or a built-in name ("medium", "examples/mm1", "thingspanel/small";
// see Builtins). Load runs these stages; the first stage that fails returns every problem it
// found, as an ErrorList of *Error with file:line:col and the source line:
//
//  1. Hostile input: files over MaxFileSize (4 MiB), not UTF-8, nested deeper than MaxDepth (64)
//     or with more than 200,000 lines and list items are refused by a byte scan before parsing;
//     after parsing, one walk counts nodes with every alias counted as what it expands to
//     (without expanding it) and refuses more than MaxNodes (100,000): a "billion laughs" file
//     fails in microseconds.
//  2. Interpolation: ${NAME} is replaced by the variable's value (WithEnv; default os.LookupEnv),
//     ${NAME:-default} by the default when NAME is unset or empty, and $${ writes a literal ${.
//     Substitution is textual, before parsing (so it works inside flow mappings such as
//     {mean: ${MEAN}}), and skips comments. It gives one scalar value and never structure:
//     inside quotes the value is escaped and stays text ("${TOKEN}" may hold quotes);
//     unquoted, a value with a line break, a flow indicator (, [ ] { }), a comment, a key
//     (": ") or a leading indicator (& * ! | > ' " % @ `, "- ") is an error at the reference
//     (design: ${DESIGN} with DESIGN="80, points: 2" is refused, not a capped sweep). An
//     unset variable without a default is an error at its position. Positions of later
//     errors refer to the file as written.
//  3. Parsing (github.com/goccy/go-yaml): syntax errors and duplicate keys, with positions.
//     A file holds one document.
//  4. Composition: a file naming "extends: base.yaml" or "include: [a.yaml, ...]" is merged
//     with those files (each through stages 1–3 and composed in turn; see Composition).
//  5. --set assignments (WithSet), applied to the parsed tree before decoding, so a value is
//     type-checked exactly like the file. "key=value": the key is a dotted path; a mapping is
//     entered by key, a list element by its 0-based index or by its name field (class for
//     handlers): "nodes.search-1.cores=64", "services.agent-manager.handlers.ingest.cpu=5ms",
//     "flows.0.rate=200/s". Missing mapping keys are added (the next stage refuses names the
//     format does not know); a list element that matches nothing is an error. The value is
//     YAML: "64", "250ms", "[a, b]", "{dist: gamma, mean: 5ms, cv: 0.5}". Errors in a value
//     name the assignment ("--set nodes.x.cores=many: expected a whole number").
//  6. Strict structure: every key must be a field of the format (an unknown key gets a "did you
//     mean"), every value the right kind (mapping, list, whole number, number, boolean, string),
//     durations, sizes, rates and distributions must parse. Bad nodes are reported and pruned,
//     and the rest goes on to the next stages, so one run reports these and the semantic
//     problems together.
//  7. Decoding, defaults (ApplyDefaults, below) and validation (below).
//
// # Composition
//
// A scenario may be written as several files, so nothing is copied to be kept in step: a
// system file (services, handlers and their costs, stores' and databases' costs, the
// assumptions behind them) that tier files include and complete with their deployment (nodes,
// placement, replicas), workload and SLO; a failure file that extends a tier and adds only its
// failures; a calibration profile that includes the system file and overrides measured costs.
//
//	include: [systems/utmstack.yaml]   # a list; paths relative to this file
//	extends: medium.yaml               # one base scenario
//
// A built-in scenario's includes are read from the built-in files (systems/ holds the system
// files; Builtins does not list them). The composed tree is, from lowest to highest
// precedence, the base (extends), the included files (peers: none wins over another), then
// the file's own sections. Composing a lower tree with a higher one:
//
//   - mappings merge key by key, recursively (load, slo, sim, storage, ha, a balancer, ...);
//   - lists of named components merge by name: nodes, stations, services, queues, stores,
//     databases, caches, flows, failures, a flow's mix and a service's handlers (by class). A
//     component the higher file names again is merged with the lower one as a mapping (a tier
//     adds placement to a service of the system file; a profile replaces one handler's cpu);
//     a new name is appended (order: the lower file's components, then the new ones);
//   - sources and assumptions concatenate, the lower file's first;
//   - any other value set in the higher file (a scalar, a list such as placement, calls or
//     weights) replaces the lower one.
//
// Between peers nothing wins: a component, or a value, set in two included files is an error
// that names both places. Include cycles, a file composed in twice, a missing file, more than
// MaxIncludes files, and an include that is not a list of file names are errors at the
// include. Every value keeps the position where it was written, so every later error (type,
// reference, range) names the file, line and column of the value, with that file's line as
// snippet; Scenario.Files lists the files read and Assumption.File the file of each
// assumption. Anchors and aliases are local to their file.
//
// # Units
//
// Durations are strings with a unit ("250ms", "1.5s", "100us", "2m", "1d"; a bare number is an
// error, except 0). Sizes are bytes: "500B", "64GiB" (powers of 1024), "2TB" (powers of 1000),
// a bare number is bytes. Rates are per second: "80/s", "1200/min", "5/h", a bare number is
// per second. A distribution is a duration (exponential with that mean) or a mapping
// {dist: exponential|deterministic|lognormal|gamma|uniform|empirical, ...}: exponential and
// deterministic take mean; lognormal takes mean and p95 (> mean, and p95/mean ≤ e^(z²/2) ≈ 3.87
// for a real σ) or cv; gamma mean and cv; uniform min < max; empirical a non-empty samples list.
//
// # Defaults
//
// A field left out (or zero, where zero has no meaning of its own) takes its default:
//
//	load.variable        "scale"          load.unit     = load.variable
//	load.design          1                load.min      = design / 20
//	load.rates_at        load.design (the file's design when --set changes load.design)
//	load.max             design × 20      load.points   8
//	slo.memory           0.8 (seed 004)   slo.queue_trigger 100 (seed 004)
//	slo.max_drop_ratio   0.001
//	sim.seed 1, sim.duration 60s, sim.precision 0.05, sim.max_replications 200;
//	sim.replications left out: as many as the precision needs; sim.warmup left out:
//	detected by MSER-5 (package sim)
//	stations: servers 1, discipline fcfs
//	nodes: disk_parallelism 4 (assumed, SSD), cpu_period 100ms (with cpu_limit)
//	services: balancer.policy round_robin
//	queues: overflow block
//	databases: read_routing primary, replication async
//	flows: arrivals poisson, peak_factor 1, batch 1, sources = load.rates_at (source form only)
//	calls: probability 1
//	storage: index_ratio 1
//
// A count written explicitly as 0 where 0 would silently become the default (servers: 0,
// batch: 0, probability: 0, slo.memory: 0, ...) is an error rather than a surprise.
//
// # Validation
//
// Every problem is reported at once, each at the node it concerns:
//
//   - names: non-empty and unique per kind (stations, nodes, services, queues, stores,
//     databases, caches, flows, handler classes of a service, mix entries of a flow);
//   - references: placements, store / database / cache nodes, call targets (a service with a
//     handler for the class, a queue, a store, a database, a cache), queue consumers, route
//     stations, slo.p95 flow names, storage flow and store;
//   - a call has exactly one target; op is index|query for stores, read|write for databases;
//     on_miss only under a cache call; probability in (0, 1];
//   - counts: cores, servers, shards, batch and queue concurrency ≥ 1; no negative number
//     anywhere; hit_ratio in [0, 1]; branch probabilities in [0, 1] summing to ≤ 1 per step;
//     mix weights > 0; slo.utilization in [0, 1) (0: no criterion), slo.memory in (0, 1);
//     a node's cpu_limit in (0, cores], its cpu_period in (0, 1s] and only with cpu_limit;
//   - a flow has exactly one of rate, the source form (events_per_source, or bytes_per_month
//     with event_size) and population, and exactly one of entry, route and mix (each mix entry
//     one of entry and route); think only with population;
//   - enums: discipline, balancer policy, overflow, op, read_routing, replication, arrivals,
//     distribution kind; parameters that do not belong to a distribution's kind;
//   - single_instance services placed more than once; balancer weights count = placements;
//   - shard allocation (see AllocateShards): replicas + 1 ≤ nodes, and
//     shards × (replicas + 1) ≤ nodes × total_shards_per_node;
//   - call cycles between handlers (service.class → … → the same service.class), through
//     service calls, queue consumers and cache misses.
//
// Every error wraps ErrInvalid (errors.Is). ErrorList.Verbose prints the source snippets.
package scenarios
