package reports

import (
	"bytes"
	"encoding/json"
	"html"
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

// withCPU gives r a CPU per event with a seed sizing: 32 cores for 500 sources at 771.6
// events/s (UTMStack's README) against 0.634 ms of model costs.
func withCPU(r *sim.Result) *sim.Result {
	r.CPUPerEvent = &sim.CPUPerEvent{
		ModelMS: 0.634, EventsPerS: 771.6,
		Flows: []sim.FlowCPU{{Name: "ingest", RequestsPerS: 1.5432, EventsPerRequest: 500, CPUMSPerRequest: 317, CPUMSPerEvent: 0.634}},
		Seed:  &sim.SeedSizing{Cores: 32, Load: 500, EventsPerS: 771.6, MS: 32 / 771.6 * 1000, Source: "utmstack/UTMStack README.md: 500 -> 32 cores"},
		Ratio: 0.634 / (32 / 771.6 * 1000),
	}
	return r
}

// TestCPUPerEventShown: the terminal summary, the HTML report and result.json all carry the
// seed sizing's CPU per event beside the model's, the first two as the one sentence
// sim.CPUPerEvent.String writes.
func TestCPUPerEventShown(t *testing.T) {
	r := withCPU(sampleResult())
	const sentence = "seed sizing (32 cores for 772 events/s) implies 41.5 ms CPU per event; the model's costs total 0.634 ms (ratio 0.0153)"
	if got := r.CPUPerEvent.String(); got != sentence {
		t.Fatalf("String() = %q, want %q", got, sentence)
	}
	var txt bytes.Buffer
	if err := WriteText(&txt, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "CPU per event    "+sentence+"\n") {
		t.Errorf("the summary lacks the CPU per event line:\n%s", txt.String())
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, []*sim.Result{r}); err != nil {
		t.Fatal(err)
	}
	h := html.UnescapeString(page.String())
	for _, want := range []string{"<h3>CPU per event</h3>", sentence, "seed sizing: 32 cores for 500", "utmstack/UTMStack README.md: 500 -> 32 cores", "0.634 ms"} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back struct {
		CPU struct {
			ModelMS float64 `json:"model_ms"`
			Seed    struct {
				MS float64 `json:"ms"`
			} `json:"seed_sizing"`
			Ratio float64 `json:"ratio"`
		} `json:"cpu_per_event"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.CPU.ModelMS != 0.634 || back.CPU.Seed.MS != 32/771.6*1000 || back.CPU.Ratio != r.CPUPerEvent.Ratio {
		t.Errorf("result.json cpu_per_event = %+v", back.CPU)
	}

	// without a CPU per event (a measured result, a plain queueing network): no section
	page.Reset()
	if err := WriteHTML(&page, []*sim.Result{sampleResult()}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.String(), "CPU per event") {
		t.Error("a result without a CPU per event shows the section")
	}
}
