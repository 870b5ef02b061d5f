package scenarios

// LoadTest is the `loadtest:` section of a scenario: what `capsim load` drives and how.
// Field names follow k6 where the concept is the same (executor, rate, timeUnit, stages,
// preAllocatedVUs, maxVUs, gracefulStop, thresholds).
type LoadTest struct {
	// Target is the base URL or host:port of the system under test (loopback by default).
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
}
