package scenarios

import "time"

// Defaults applied by ApplyDefaults (see doc.go). A zero value in the file means "use the
// default".
const (
	DefaultLoadVariable    = "scale"
	DefaultDesign          = 1.0
	DefaultMinDivisor      = 20.0 // Load.Min = Design / 20
	DefaultMaxFactor       = 20.0 // Load.Max = Design × 20
	DefaultPoints          = 8
	DefaultSLOMemory       = 0.8   // seed 004: memory > 80 %
	DefaultQueueTrigger    = 100.0 // seed 004: job queue > 100
	DefaultMaxDropRatio    = 0.001
	DefaultSeed            = 1
	DefaultDuration        = Duration(60 * time.Second)
	DefaultServers         = 1
	DefaultDiscipline      = "fcfs"
	DefaultDiskParallelism = 4                                // assumed: an SSD serving 4 I/Os at once
	DefaultCPUPeriod       = Duration(100 * time.Millisecond) // CFS period of Docker and Kubernetes
	MaxCPUPeriod           = Duration(time.Second)            // the Linux maximum of cpu.cfs_period_us
	DefaultPolicy          = "round_robin"
	DefaultOverflow        = "block"
	DefaultReadRouting     = "primary"
	DefaultReplication     = "async"
	DefaultArrivals        = "poisson"
	DefaultPeakFactor      = 1.0
	DefaultBatch           = 1
	DefaultProbability     = 1.0
	DefaultIndexRatio      = 1.0
	DefaultSlowFactor      = 4.0 // a slow failure multiplies service times by 4 (failures.factor)
)

// ApplyDefaults fills every field left at its zero value with its documented default (see
// doc.go). It is idempotent and never fails; Load calls it before validation.
func (s *Scenario) ApplyDefaults() {
	l := &s.Load
	if l.Variable == "" {
		l.Variable = DefaultLoadVariable
	}
	if l.Unit == "" {
		l.Unit = l.Variable
	}
	if l.Design == 0 {
		l.Design = DefaultDesign
	}
	if l.RatesAt == 0 {
		l.RatesAt = l.Design
	}
	if l.Min == 0 {
		l.Min = l.Design / DefaultMinDivisor
	}
	if l.Max == 0 {
		l.Max = l.Design * DefaultMaxFactor
	}
	if l.Points == 0 {
		l.Points = DefaultPoints
	}
	if s.SLO.Memory == 0 {
		s.SLO.Memory = DefaultSLOMemory
	}
	if s.SLO.QueueTrigger == 0 {
		s.SLO.QueueTrigger = DefaultQueueTrigger
	}
	if s.SLO.MaxDropRatio == 0 {
		s.SLO.MaxDropRatio = DefaultMaxDropRatio
	}
	if s.Sim.Seed == 0 {
		s.Sim.Seed = DefaultSeed
	}
	if s.Sim.Duration == 0 {
		s.Sim.Duration = DefaultDuration
	}
	if s.Storage.IndexRatio == 0 {
		s.Storage.IndexRatio = DefaultIndexRatio
	}
	for i := range s.Stations {
		st := &s.Stations[i]
		if st.Servers == 0 {
			st.Servers = DefaultServers
		}
		if st.Discipline == "" {
			st.Discipline = DefaultDiscipline
		}
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.DiskParallelism == 0 {
			n.DiskParallelism = DefaultDiskParallelism
		}
		if n.CPULimit > 0 && n.CPUPeriod == 0 {
			n.CPUPeriod = DefaultCPUPeriod
		}
	}
	for i := range s.Services {
		sv := &s.Services[i]
		if sv.Balancer.Policy == "" {
			sv.Balancer.Policy = DefaultPolicy
		}
		for j := range sv.Handlers {
			defaultCalls(sv.Handlers[j].Calls)
		}
	}
	for i := range s.Queues {
		q := &s.Queues[i]
		if q.Overflow == "" {
			q.Overflow = DefaultOverflow
		}
		defaultCall(&q.Consumer)
	}
	for i := range s.Databases {
		d := &s.Databases[i]
		if d.ReadRouting == "" {
			d.ReadRouting = DefaultReadRouting
		}
		if d.Replication == "" {
			d.Replication = DefaultReplication
		}
	}
	for i := range s.Flows {
		f := &s.Flows[i]
		if f.Arrivals == "" {
			f.Arrivals = DefaultArrivals
		}
		if f.PeakFactor == 0 {
			f.PeakFactor = DefaultPeakFactor
		}
		if f.Batch == 0 {
			f.Batch = DefaultBatch
		}
		if f.Sources == 0 && f.usesSourceForm() {
			f.Sources = l.RatesAt
		}
		if f.Entry != nil {
			defaultCall(f.Entry)
		}
		for j := range f.Mix {
			if f.Mix[j].Entry != nil {
				defaultCall(f.Mix[j].Entry)
			}
		}
	}
}

func defaultCalls(cs []Call) {
	for i := range cs {
		defaultCall(&cs[i])
	}
}

func defaultCall(c *Call) {
	if c.Probability == 0 {
		c.Probability = DefaultProbability
	}
	defaultCalls(c.OnMiss)
}

// usesSourceForm reports whether the flow is given as sources × events per source (or bytes per
// month ÷ event size) rather than a rate or a population.
func (f *Flow) usesSourceForm() bool {
	return f.EventsPerSource != 0 || f.BytesPerMonth != 0 || f.EventSize != 0
}
