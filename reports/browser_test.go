package reports

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/capsim/capsim/sim"
)

// chromiumPath finds Debian's chromium (CHROMIUM_BIN, then PATH). Without it the browser test
// is skipped, unless CAPSIM_REQUIRE_CHROMIUM=1 (CI), where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CAPSIM_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium not found (set CHROMIUM_BIN or install Debian's chromium package) and CAPSIM_REQUIRE_CHROMIUM=1")
	}
	t.Skip("chromium not found; set CHROMIUM_BIN or install Debian's chromium package")
	return ""
}

type chartInfo struct {
	Name   string  `json:"name"`
	SVG    bool    `json:"svg"`
	W      float64 `json:"w"`
	H      float64 `json:"h"`
	Shapes int     `json:"shapes"`
}

// inspectJS lists every figure[data-chart] with its SVG's rendered size and the number of
// path/rect/circle elements that draw something (a non-empty bounding box).
const inspectJS = `Array.from(document.querySelectorAll('figure[data-chart]')).map(f => {
  const s = f.querySelector('svg');
  if (!s) return {name: f.dataset.chart, svg: false, w: 0, h: 0, shapes: 0};
  const r = s.getBoundingClientRect();
  let n = 0;
  for (const e of s.querySelectorAll('path, rect, circle')) {
    const b = e.getBBox();
    if (b.width > 0 || b.height > 0) n++;
  }
  return {name: f.dataset.chart, svg: true, w: r.width, h: r.height, shapes: n};
})`

func TestReportInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	cases := []struct {
		name    string
		results []*sim.Result
	}{
		{"medium", []*sim.Result{sampleResult()}},
		{"tiers", sampleTiers()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, tc.results); err != nil {
				t.Fatal(err)
			}
			wantFigures := strings.Count(buf.String(), "<figure data-chart=")
			path := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			fileURL := (&url.URL{Scheme: "file", Path: path}).String()
			infos, problems, shot := openInChromium(t, bin, fileURL)
			for _, p := range problems {
				t.Error(p)
			}
			if len(infos) != wantFigures || wantFigures == 0 {
				t.Errorf("browser sees %d charts, the HTML has %d", len(infos), wantFigures)
			}
			// every failure has its two timeline charts drawn
			nf := 0
			for _, r := range tc.results {
				nf += len(r.Failures)
			}
			drawn := map[string]int{}
			for _, c := range infos {
				if c.SVG && c.Shapes > 0 {
					drawn[c.Name]++
				}
			}
			if nf == 0 || drawn["failure-throughput"] != nf || drawn["failure-latency"] != nf {
				t.Errorf("%d failures; browser sees %d throughput and %d latency timelines drawn", nf, drawn["failure-throughput"], drawn["failure-latency"])
			}
			for i, c := range infos {
				if !c.SVG {
					t.Errorf("chart %d (%s) has no svg", i, c.Name)
					continue
				}
				if c.W <= 0 || c.H <= 0 {
					t.Errorf("chart %d (%s) renders at %gx%g px", i, c.Name, c.W, c.H)
				}
				if c.Shapes == 0 {
					t.Errorf("chart %d (%s) draws no path, rect or circle", i, c.Name)
				}
			}
			if dir := os.Getenv("CAPSIM_SCREENSHOT_DIR"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, "report-"+tc.name+".png"), shot, 0o644); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// openInChromium loads fileURL in headless chromium and returns what inspectJS found, every
// console error, exception and failed or outside request, and a full-page screenshot.
func openInChromium(t *testing.T, bin, fileURL string) ([]chartInfo, []string, []byte) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	cctx, ccancel := chromedp.NewContext(actx)
	defer ccancel()

	var mu sync.Mutex
	var problems []string
	add := func(s string) {
		mu.Lock()
		problems = append(problems, s)
		mu.Unlock()
	}
	err := chromedp.Listen(cctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if ev.Request != nil && ev.Request.URL != fileURL {
				add("request to something other than the report: " + ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			add("failed request: " + ev.ErrorText)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				add("console." + string(ev.Type) + " call")
			}
		case *runtime.EventExceptionThrown:
			if ev.ExceptionDetails != nil {
				add("exception: " + ev.ExceptionDetails.Text)
			}
		case *log.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == log.EntryLevelError {
				add("console error: " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(cctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(fileURL)); err != nil {
		t.Fatalf("open %s: %v", fileURL, err)
	}
	infos, err := chromedp.Run(cctx, chromedp.Evaluate[[]chartInfo](inspectJS))
	if err != nil {
		t.Fatalf("inspect charts: %v", err)
	}
	shot, err := chromedp.Run(cctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return infos, append([]string(nil), problems...), shot
}
