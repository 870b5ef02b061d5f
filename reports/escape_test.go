package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/capsim/capsim/sim"
)

const (
	evilScript = `<script>alert(1)</script>`
	evilSVG    = `</svg><img src=x onerror=alert(2)>`
)

// hostile returns the sample result with scenario text replaced by markup everywhere a name
// can reach: titles, flows, stations, nodes, the load unit (x axis of charts), assumptions.
func hostile() *sim.Result {
	r := sampleResult()
	r.Scenario = evilScript
	r.Title = evilSVG + " & co"
	r.Description = evilScript
	r.LoadUnit = evilSVG
	r.LoadVariable = `"quoted' & <b>`
	r.Bottleneck = evilScript
	r.Saturation.Limit = evilSVG
	r.Flows[0].Name = evilScript
	for i := range r.Sweep {
		r.Sweep[i].Flows[0].Name = evilScript
		r.Sweep[i].Stations[0].Name = evilSVG
		r.Sweep[i].Violations = append(r.Sweep[i].Violations, evilScript)
	}
	r.Stations[0].Name = evilSVG
	r.Nodes[0].Name = evilSVG // y-axis tick label of the node chart
	r.Nodes[1].Name = evilScript
	r.Nodes[0].Components = []string{evilScript}
	r.Assumptions = append(r.Assumptions, sim.Assumption{What: evilScript, Value: evilSVG, Source: "javascript:alert(3)"})
	r.Sources = append(r.Sources, sim.Citation{File: evilSVG, Section: evilScript, Says: evilScript})
	r.Notes = append(r.Notes, evilScript)
	r.Triggers[0].Name = evilScript
	r.Advice[0].Change = evilSVG
	r.Storage.Nodes[0].Node = evilSVG
	r.CapacityLimit = "storage: " + evilScript
	r.Storage.CapacityNode = evilSVG
	for i := range r.Failures {
		f := &r.Failures[i]
		f.Name, f.Target, f.Kind = evilScript, evilSVG, evilScript
		f.Events = append(f.Events, sim.TimelineEvent{T: f.AtS + 1, What: evilSVG}, sim.TimelineEvent{T: f.AtS + 2, What: evilScript})
		for j := range f.Timeline {
			f.Timeline[j].Health = evilSVG // unknown health: no band, no text
		}
	}
	r.NMinus1[0].Node, r.NMinus1[0].Role, r.NMinus1[0].Why = evilScript, evilSVG, evilScript
	r.Availability.Tier, r.Availability.Method = evilSVG, evilScript
	return r
}

func TestHostileNamesAreEscaped(t *testing.T) {
	other := sampleResult()
	other.Scenario = evilSVG // tier-comparison x-axis label
	var buf bytes.Buffer
	if err := WriteHTML(&buf, []*sim.Result{hostile(), other}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Error("output contains a <script tag")
	}
	if strings.Contains(out, "<img") {
		t.Error("output contains an <img tag")
	}
	opens, closes := strings.Count(out, "<svg "), strings.Count(out, "</svg>")
	if opens == 0 || opens != closes {
		t.Errorf("%d <svg> opened, %d closed: a name closed an svg early or no chart was drawn", opens, closes)
	}

	// Every SVG must be well-formed XML on its own (go-chart does not escape text).
	svgRe := regexp.MustCompile(`(?s)<svg .*?</svg>`)
	for i, svg := range svgRe.FindAllString(out, -1) {
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("svg %d is not well-formed XML: %v", i, err)
				break
			}
		}
	}

	// The parsed document has no script or img element, and the hostile text survives as text.
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for n := range doc.Descendants() {
		switch n.Type {
		case html.ElementNode:
			if n.Data == "script" || n.Data == "img" {
				t.Errorf("parsed document has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s> has an event handler attribute %s", n.Data, a.Key)
				}
			}
		case html.TextNode:
			text.WriteString(n.Data)
		}
	}
	for _, want := range []string{evilScript, evilSVG} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text %q is missing from the rendered text: it was dropped, not escaped", want)
		}
	}
}

func TestXMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"</svg>", "&lt;/svg&gt;"},
		{`a & "b" 'c'`, "a &amp; &#34;b&#34; &#39;c&#39;"},
		{"tab\there", "tab here"},
		{"bell\x07", "bell\uFFFD"},
	}
	for _, tt := range tests {
		if got := xmlText(tt.in); got != tt.want {
			t.Errorf("xmlText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
