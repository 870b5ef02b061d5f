package reports

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/capsim/capsim/sim"
)

// TestSelfContained parses report.html and fails on anything that would make the browser
// fetch something: a src/href/xlink:href/action/poster/srcset not pointing inside the
// document, <script>, <link>, <iframe>, <object>, <embed>, a meta refresh, @import or url(…)
// in CSS.
func TestSelfContained(t *testing.T) {
	for name, results := range map[string][]*sim.Result{
		"one":     {sampleResult()},
		"tiers":   sampleTiers(),
		"hostile": {hostile()},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, results); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(&buf)
			if err != nil {
				t.Fatal(err)
			}
			figures := 0
			for n := range doc.Descendants() {
				if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data == "style" {
					checkCSS(t, "<style>", n.Data)
				}
				if n.Type != html.ElementNode {
					continue
				}
				switch n.Data {
				case "script", "link", "iframe", "object", "embed", "img", "video", "audio", "source", "base":
					t.Errorf("element <%s> in a self-contained report", n.Data)
				case "figure":
					figures++
				}
				for _, a := range n.Attr {
					key := strings.ToLower(a.Key)
					if a.Namespace != "" {
						key = a.Namespace + ":" + key
					}
					switch key {
					case "src", "href", "xlink:href", "action", "formaction", "poster", "srcset", "data", "background":
						if !strings.HasPrefix(a.Val, "#") {
							t.Errorf("<%s %s=%q> points outside the document", n.Data, key, a.Val)
						}
					case "style":
						checkCSS(t, "style attribute of <"+n.Data+">", a.Val)
					case "http-equiv":
						if strings.EqualFold(a.Val, "refresh") {
							t.Error("meta refresh")
						}
					}
				}
			}
			if figures == 0 {
				t.Error("no figure in the report")
			}
		})
	}
}

func checkCSS(t *testing.T, where, css string) {
	t.Helper()
	l := strings.ToLower(css)
	for _, bad := range []string{"@import", "url(", "@font-face", "expression("} {
		if strings.Contains(l, bad) {
			t.Errorf("%s contains %q", where, bad)
		}
	}
}
