package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// check rejects flag values that are not a run: every problem at once. A flag given with its
// "unset" value (--seed 0, --duration 0s) is an error, never silently the default.
func (f *runFlags) check() error {
	var errs []error
	given := func(name string) bool { return f.given[name] }
	if given("seed") && f.seed == 0 {
		errs = append(errs, errors.New("--seed must be ≥ 1 (0 is not a seed; leave the flag out for the scenario's sim.seed)"))
	}
	if (given("replications") || f.replications != 0) && (f.replications < 1 || f.replications > scenarios.MaxReplications) {
		errs = append(errs, fmt.Errorf("--replications must be in [1, %d], got %d", scenarios.MaxReplications, f.replications))
	}
	if (given("precision") || f.precision != 0) && !(f.precision > 0 && f.precision < 1) {
		errs = append(errs, fmt.Errorf("--precision must be a fraction in (0, 1) (0.05 = ±5 %%), got %v", f.precision))
	}
	maxDur := time.Duration(scenarios.MaxSimDuration)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"duration", f.duration}, {"warmup", f.warmup}} {
		if !given(d.name) && d.v == 0 {
			continue
		}
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s must be > 0, got %v", d.name, d.v))
		} else if d.v > maxDur {
			errs = append(errs, fmt.Errorf("--%s %v is longer than %v of simulated time per replication", d.name, d.v, maxDur))
		}
	}
	if given("timeout") && f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout must be > 0, got %v", f.timeout))
	}
	if given("load") && !(f.load > 0 && f.load <= scenarios.MaxLoad) {
		errs = append(errs, fmt.Errorf("--load must be in (0, %g] load units, got %v", scenarios.MaxLoad, f.load))
	}
	if (given("cluster-scale") || f.clusterScale != 0) && !(f.clusterScale > 0 && f.clusterScale <= 1) {
		errs = append(errs, fmt.Errorf("--cluster-scale must be in (0, 1], got %v", f.clusterScale))
	}
	if (given("cluster-cpus") || f.clusterCPUs != 0) && f.clusterCPUs < 1 {
		errs = append(errs, fmt.Errorf("--cluster-cpus must be ≥ 1, got %d", f.clusterCPUs))
	}
	return errors.Join(errs...)
}

// miniature is the scenario of the containerized miniature (--cluster, --cluster-scale): at
// --cluster-scale, else the file's cluster.scale, else the scale `capsim cluster up` picks.
func miniature(s *scenarios.Scenario, f *runFlags) (*scenarios.Scenario, error) {
	cpus := max(1, f.clusterCPUs)
	scale := f.clusterScale
	if scale == 0 && s.Cluster != nil {
		scale = s.Cluster.Scale
	}
	if scale == 0 {
		scale = s.DefaultClusterScale(float64(cpus))
	}
	return s.Miniature(scale, cpus)
}

// runTags names what a run changed against the file, for its default output folder: the
// overrides, then the miniature's scale (and pinned CPUs when not 1).
func runTags(s *scenarios.Scenario) []string {
	mo := s.MiniatureOf
	if mo == nil {
		return s.Overrides
	}
	tags := append(append([]string(nil), s.Overrides...), "cluster-scale="+yamlFloat(mo.Scale))
	if mo.PinnedCPUs != 1 {
		tags = append(tags, fmt.Sprintf("cluster-cpus=%d", mo.PinnedCPUs))
	}
	return tags
}

// runError maps an error of the simulation to an exit code: stopped by an interrupt (130), by
// a limit (--timeout, the event limit: 3), a model that cannot be built (invalid input, 2).
func runError(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled) && errors.Is(err, sim.ErrAborted):
		return &exitError{code: ExitInterrupted, err: fmt.Errorf("%s: interrupted; nothing written for it", what)}
	case errors.Is(err, sim.ErrAborted), errors.Is(err, sim.ErrLimit):
		return &exitError{code: ExitAborted, err: fmt.Errorf("%s: run aborted: %w", what, err)}
	case errors.Is(err, sim.ErrModel), errors.Is(err, sim.ErrNoNodes):
		return invalid(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func orContext(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// yamlFloat writes x so that YAML reads it back as a number ("1.0e+308", not the string
// "1e+308").
func yamlFloat(x float64) string {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 && !strings.Contains(s[:i], ".") {
		s = s[:i] + ".0" + s[i:]
	}
	return s
}
