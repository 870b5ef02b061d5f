package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/capsim/capsim/sim"
)

// TestReportersAgree is the seam contract between sim and its reporters (issue 11, item 9):
// a short deterministic run of a tier that breaches its SLO, with its N-1 analysis, is fed as
// the real sim.Result to every reporter — the terminal summary, report.html, result.json and
// comparison.json — and they must state the same verdict, the same binding limit and the same
// worst N-1 node. The worst node is checked against the documented rule (a failing row before
// any surviving one, then the smallest fraction of design load, then the first) evaluated
// here on result.json's rows, not by calling sim.
func TestReportersAgree(t *testing.T) {
	cases := []struct {
		name, scenario string
		sets           []string
		// binds is what must bind the capacity: storage (the small tier's disks) or
		// performance (Changemaker at 8 × its design load).
		binds sim.Limit
	}{
		{"storage breach", "small", nil, sim.LimitStorage},
		{"performance breach", "changemaker/stack", []string{"load.design=800"}, sim.LimitPerformance},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := contractRun(t, c.scenario, c.sets...)
			if r.SLOMet || len(r.Violations) == 0 || len(r.NMinus1) == 0 {
				t.Fatalf("the scenario must breach its SLO and have N-1 rows: slo_met %v, violations %q, %d rows", r.SLOMet, r.Violations, len(r.NMinus1))
			}
			if r.CapacityBinds == nil || r.CapacityBinds.Binds != c.binds {
				t.Fatalf("capacity binds %+v, want %s", r.CapacityBinds, c.binds)
			}

			// result.json
			var js bytes.Buffer
			if err := WriteJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			var j struct {
				SLOMet        bool     `json:"slo_met"`
				Violations    []string `json:"violations"`
				CapacityLimit string   `json:"capacity_limit"`
				NMinus1       []struct {
					Node     string  `json:"node"`
					Survives bool    `json:"survives"`
					Fraction float64 `json:"fraction_of_design"`
				} `json:"n_minus_1"`
			}
			if err := json.Unmarshal(js.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			worst, wi := "", -1
			for i, row := range j.NMinus1 {
				if wi < 0 || (!row.Survives && j.NMinus1[wi].Survives) ||
					(row.Survives == j.NMinus1[wi].Survives && row.Fraction < j.NMinus1[wi].Fraction) {
					worst, wi = row.Node, i
				}
			}
			if j.SLOMet {
				t.Errorf("result.json: slo_met true for a breached run")
			}
			if d := cmp.Diff(r.Violations, j.Violations); d != "" {
				t.Errorf("result.json violations (-result +json):\n%s", d)
			}
			if j.CapacityLimit != r.CapacityBinds.String() {
				t.Errorf("result.json capacity_limit %q, want %q (%s binds)", j.CapacityLimit, r.CapacityBinds.String(), c.binds)
			}
			v := r.Verdict()
			if v.WorstNMinus1.Node != worst {
				t.Errorf("sim names %s the worst N-1 node, the rule on result.json's rows %s", v.WorstNMinus1.Node, worst)
			}

			// comparison.json
			cmpr, err := Compare([]*sim.Result{r, r})
			if err != nil {
				t.Fatal(err)
			}
			tc := cmpr.Tiers[0]
			if tc.SLOMet || tc.NMinus1Worst != worst || tc.CapacityBinds != c.binds || tc.SurvivesNMinus1 == nil || *tc.SurvivesNMinus1 != v.SurvivesNMinus1 {
				t.Errorf("comparison: slo_met %v, worst %q, binds %q, survives %v; want false, %q, %q, %v",
					tc.SLOMet, tc.NMinus1Worst, tc.CapacityBinds, tc.SurvivesNMinus1, worst, c.binds, v.SurvivesNMinus1)
			}

			// the terminal
			var term bytes.Buffer
			if err := WriteText(&term, r, TextOptions{Report: "out/report.html", Took: time.Second}); err != nil {
				t.Fatal(err)
			}
			tt := term.String()
			for _, want := range []string{
				"SLO BREACHED at design load: " + strings.Join(j.Violations, "; "),
				"limited by " + j.CapacityLimit,
				"(worst: " + worst + ",",
			} {
				if !strings.Contains(tt, want) {
					t.Errorf("the terminal lacks %q:\n%s", want, tt)
				}
			}

			// report.html, as text
			var h bytes.Buffer
			if err := WriteHTML(&h, []*sim.Result{r}); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(&h)
			if err != nil {
				t.Fatal(err)
			}
			ht := textOf(doc)
			wantHTML := []string{
				"Does not carry ",
				"at the SLO: " + strings.Join(j.Violations, "; "),
				"limited by " + string(c.binds),
				"(worst: " + worst + " at ",
			}
			if v.OK {
				t.Errorf("Verdict.OK true for a breached run")
			}
			for _, want := range wantHTML {
				if !strings.Contains(ht, want) {
					t.Errorf("report.html lacks %q", want)
				}
			}
			// the disk that fills first, by one rule
			if n, ok := r.Storage.FillsFirst(); ok {
				if !strings.Contains(tt, "; "+n.Node+" full in ") || !strings.Contains(ht, n.Node+" fills first") {
					t.Errorf("the terminal and report.html do not both name %s as the disk that fills first", n.Node)
				}
			}
			// the subject of the binding limit appears in every view
			if rs := r.CapacityBinds.Reason; len(rs) > 0 && rs[0].Subject != "" {
				for view, text := range map[string]string{"terminal": tt, "html": ht, "json": j.CapacityLimit} {
					if !strings.Contains(text, rs[0].Subject) {
						t.Errorf("%s does not name %s, the subject of the binding limit", view, rs[0].Subject)
					}
				}
			}
		})
	}
}

// contractRun is shortRun with the saturation search and the N-1 analysis.
func contractRun(t *testing.T, name string, sets ...string) *sim.Result {
	t.Helper()
	m, err := sim.Compile(loadBuiltin(t, name, sets...))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Run(shortOptions(true)...)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := m.NMinus1(shortOptions(true)...)
	if err != nil {
		t.Fatal(err)
	}
	r.SetNMinus1(rows)
	for _, row := range rows {
		if math.IsNaN(row.FractionOfDesign) {
			t.Fatalf("N-1 row %s has no fraction of design", row.Node)
		}
	}
	return r
}
