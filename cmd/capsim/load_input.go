package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

func loadScenarioForLoad(args []string, f *loadFlags) (*scenarios.Scenario, string, error) {
	if len(args) == 0 {
		if f.target == "" {
			return nil, "", errors.New("give a SCENARIO, or --target with --rate or --vus")
		}
		if f.rate <= 0 && f.vus <= 0 {
			return nil, "", errors.New("without a scenario, give --rate (requests/s) or --vus")
		}
		sc := &scenarios.Scenario{Name: "load", Flows: []scenarios.Flow{{Name: "requests", Rate: scenarios.Rate(f.rate), Arrivals: "deterministic"}}}
		if f.rate <= 0 {
			sc.Flows[0] = scenarios.Flow{Name: "requests", Population: f.vus}
		}
		return sc, "", nil
	}
	sc, err := loadScenario(args[0], scenarios.WithSet(f.sets...))
	if err != nil {
		return nil, "", err
	}
	return sc, scenarioDir(args[0]), nil
}

// scenarioDir is the folder a scenario file's relative paths (a trace) are read from: the
// file's folder, "" for a built-in.
func scenarioDir(arg string) string {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return filepath.Dir(arg)
	}
	return ""
}

func applyLoadFlags(lt *scenarios.LoadTest, f *loadFlags) {
	if f.target != "" {
		lt.Target = f.target
	}
	if f.flow != "" {
		lt.Flow = f.flow
	}
	if f.executor != "" {
		lt.Executor = f.executor
	}
	if f.protocol != "" {
		lt.Protocol = f.protocol
	}
	if f.duration > 0 {
		lt.Duration = scenarios.Duration(f.duration)
	}
	if f.batch > 0 {
		lt.Batch = f.batch
	}
	if f.maxRequests > 0 {
		lt.MaxRequests = f.maxRequests
	}
	if f.rate > 0 {
		lt.Rate, lt.TimeUnit = f.rate, scenarios.Duration(time.Second)
		if f.executor == "" {
			lt.Executor = loadgen.ExecConstantArrivalRate
			lt.Stages = nil
		}
		if f.vus > 0 {
			lt.MaxVUs = f.vus
			lt.PreAllocatedVUs = min(max(lt.PreAllocatedVUs, 1), f.vus)
		}
	} else if f.vus > 0 {
		lt.VUs = f.vus
		if f.executor == "" {
			lt.Executor = loadgen.ExecConstantVUs
			lt.Stages = nil
		}
	}
}

func randomID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
