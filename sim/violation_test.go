package sim

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestViolationString: every criterion's sentence is the one result.json has always carried
// in "violations" and "limit" (the forms reports used to parse back), so the typed values
// change no byte of it.
func TestViolationString(t *testing.T) {
	got := []string{}
	for _, v := range []Violation{
		{Criterion: CriterionP95, Subject: "ingest", Value: 2300.4, Limit: 2000},
		{Criterion: CriterionP95, Subject: "api", Value: math.NaN(), Limit: 500},
		{Criterion: CriterionNoRequests, Subject: "search"},
		{Criterion: CriterionDropRatio, Subject: "api", Value: 0.005, Limit: 0.001},
		{Criterion: CriterionUtilization, Subject: "search-1/cpu", Value: 0.713, Limit: 0.7},
		{Criterion: CriterionOffered, Subject: "pg-pool", Value: 1.02, Limit: 1},
		{Criterion: CriterionOffered, Subject: "pg-pool", Value: 2e5, Limit: 1},
		{Criterion: CriterionQueues},
		{Criterion: CriterionAborted, Detail: "api/cpu is overloaded"},
		{Criterion: CriterionStorage, Subject: "search-1", Value: 2318.2, Limit: 5000, Unit: "sources", RetentionDays: 30},
	} {
		got = append(got, v.String())
	}
	want := []string{
		"P95 of ingest 2300 ms > 2000 ms",
		"P95 of api NaN ms > 500 ms",
		"search completed no request",
		"api drops 0.50 % > 0.10 %",
		"utilization of search-1/cpu 0.71 > 0.70",
		"offered utilization of pg-pool 1.02 ≥ 1 (no steady state)",
		"offered utilization of pg-pool 2e+05 ≥ 1 (no steady state)",
		"queues grow without bound (throughput below offered load)",
		"api/cpu is overloaded",
		"storage: the disks cannot retain the design load for 30 days (search-1 reaches the 85 % disk watermark at 2318 sources)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Violation.String (-want +got):\n%s", d)
	}
	// a value JSON cannot hold is written as null, not an encoding error
	b, err := json.Marshal(Violation{Criterion: CriterionP95, Subject: "api", Value: math.NaN(), Limit: 500})
	if err != nil || string(b) != `{"criterion":"p95","subject":"api","value":null,"limit":500}` {
		t.Errorf("json %s, %v", b, err)
	}
}

// TestCapacityString: the typed capacity's String is result.json's capacity_limit.
func TestCapacityString(t *testing.T) {
	util := Violation{Criterion: CriterionUtilization, Subject: "worker-2/cpu", Value: 0.7012, Limit: 0.7}
	got := []string{
		Capacity{Binds: LimitPerformance, Bounded: true, Reason: []Violation{util, {Criterion: CriterionQueues}}}.String(),
		Capacity{Binds: LimitPerformance}.String(),
		Capacity{Binds: LimitStorage, Reason: []Violation{{Criterion: CriterionStorage, Subject: "search-1", RetentionDays: 30}}}.String(),
	}
	want := []string{
		"performance: utilization of worker-2/cpu 0.70 > 0.70; queues grow without bound (throughput below offered load)",
		"performance: SLO still met at the search maximum",
		"storage: search-1 disk reaches the 85 % watermark with 30 days retained",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Capacity.String (-want +got):\n%s", d)
	}
}
