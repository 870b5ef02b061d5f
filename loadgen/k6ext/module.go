package k6ext

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/metrics"
)

// ModuleName is the import path of the JavaScript module.
const ModuleName = "k6/x/capsim"

// Metric names emitted by the module.
const (
	MetricEvents        = "capsim_events"
	MetricEventsAcked   = "capsim_events_acked"
	MetricBatchDuration = "capsim_batch_duration"
	MetricBatchesFailed = "capsim_batches_failed"
)

func init() {
	modules.Register(ModuleName, New())
}

// RootModule is the global module instance: state shared by every VU of one k6 process
// (the run id, sequence numbers per source, transports, replay clocks).
type RootModule struct {
	runID   string
	sources atomic.Uint64 // rotates send() batches over the sources, process-wide
	fleets  atomic.Uint64 // numbers the fleets (one per VU) for event ids

	mu         sync.Mutex
	transports map[string]*sharedTransport
	seqs       map[uint32]*uint64
	replays    map[string]*replayClock
	traces     map[string]*Trace
}

// ModuleInstance is the module as one VU sees it.
type ModuleInstance struct {
	root *RootModule
	vu   modules.VU
	m    *fleetMetrics
}

type fleetMetrics struct {
	events, acked, duration, failed *metrics.Metric
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// New returns the root module. The run id (prefix of every event id) is random per process,
// so ids stay unique across k6 instances running different execution segments.
func New() *RootModule {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &RootModule{
		runID:      hex.EncodeToString(b[:]),
		transports: map[string]*sharedTransport{},
		seqs:       map[uint32]*uint64{},
		replays:    map[string]*replayClock{},
		traces:     map[string]*Trace{},
	}
}

// NewModuleInstance registers the metrics (idempotent in k6's registry) and returns the VU's view.
func (r *RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	mi := &ModuleInstance{root: r, vu: vu}
	if env := vu.InitEnv(); env != nil {
		reg := env.Registry
		var err error
		mi.m, err = registerMetrics(reg)
		if err != nil {
			common.Throw(vu.Runtime(), err)
		}
	}
	return mi
}

func registerMetrics(reg *metrics.Registry) (*fleetMetrics, error) {
	var errs []error
	must := func(name string, t metrics.MetricType, vt ...metrics.ValueType) *metrics.Metric {
		m, err := reg.NewMetric(name, t, vt...)
		errs = append(errs, err)
		return m
	}
	fm := &fleetMetrics{
		events:   must(MetricEvents, metrics.Counter),
		acked:    must(MetricEventsAcked, metrics.Counter),
		duration: must(MetricBatchDuration, metrics.Trend, metrics.Time),
		failed:   must(MetricBatchesFailed, metrics.Rate),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("capsim: register metrics: %w", err)
	}
	return fm, nil
}

// Exports: Fleet and Trace constructors, and the run id.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"Fleet": mi.newFleet,
		"Trace": mi.newTrace,
		"runId": mi.root.runID,
	}}
}

// nextSeq returns the next batch number of source (process-wide, from 0).
func (r *RootModule) nextSeq(source uint32) uint64 {
	r.mu.Lock()
	p := r.seqs[source]
	if p == nil {
		p = new(uint64)
		r.seqs[source] = p
	}
	s := *p
	*p++
	r.mu.Unlock()
	return s
}

func throw(rt *sobek.Runtime, err error) {
	common.Throw(rt, err)
}
