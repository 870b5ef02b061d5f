package reports

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"strings"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// go-chart's SVG renderer writes text (tick labels, axis names, series names) into the SVG
// unescaped. escapingRenderer escapes every text run as XML before it reaches the SVG, while
// measuring the raw text, so layout is unchanged and a name such as "</svg><script>" stays
// text. Chart SVG is only ever produced through escapingSVG.
type escapingRenderer struct{ chart.Renderer }

func (e escapingRenderer) Text(body string, x, y int) { e.Renderer.Text(xmlText(body), x, y) }

func escapingSVG(width, height int) (chart.Renderer, error) {
	r, err := chart.SVG(width, height)
	if err != nil {
		return nil, err
	}
	return escapingRenderer{r}, nil
}

// xmlText escapes s for XML character data and attribute values, and replaces characters that
// XML 1.0 forbids with U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case c == '"':
			b.WriteString("&#34;")
		case c == '\'':
			b.WriteString("&#39;")
		case c == '\t' || c == '\n' || c == '\r':
			b.WriteRune(' ')
		case c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xfffe || c == 0xffff:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// palette is Tableau 10, readable on white and in grey print; series beyond ten reuse the
// colours with a dash pattern (see seriesStyle).
var palette = []drawing.Color{
	{R: 0x4e, G: 0x79, B: 0xa7, A: 255}, {R: 0xf2, G: 0x8e, B: 0x2b, A: 255},
	{R: 0x59, G: 0xa1, B: 0x4f, A: 255}, {R: 0xe1, G: 0x57, B: 0x59, A: 255},
	{R: 0x76, G: 0xb7, B: 0xb2, A: 255}, {R: 0xed, G: 0xc9, B: 0x48, A: 255},
	{R: 0xb0, G: 0x7a, B: 0xa1, A: 255}, {R: 0xff, G: 0x9d, B: 0xa7, A: 255},
	{R: 0x9c, G: 0x75, B: 0x5f, A: 255}, {R: 0xba, G: 0xb0, B: 0xac, A: 255},
}

var (
	colSLO     = drawing.Color{R: 0xc0, G: 0x39, B: 0x2b, A: 255}
	colSat     = drawing.Color{R: 0x33, G: 0x33, B: 0x33, A: 255}
	colBand    = drawing.Color{R: 0x33, G: 0x33, B: 0x33, A: 40}
	colDesign  = drawing.Color{R: 0x88, G: 0x88, B: 0x88, A: 255}
	colGrid    = drawing.Color{R: 0xe4, G: 0xe4, B: 0xe4, A: 255}
	colAxis    = drawing.Color{R: 0x66, G: 0x66, B: 0x66, A: 255}
	colText    = drawing.Color{R: 0x33, G: 0x33, B: 0x33, A: 255}
	colClaimed = drawing.Color{R: 0xba, G: 0xb0, B: 0xac, A: 255}
)

var dashPatterns = [][]float64{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}}

// seriesStyle returns the colour and dash pattern of series i.
func seriesStyle(i int) (drawing.Color, []float64) {
	return palette[i%len(palette)], dashPatterns[(i/len(palette))%len(dashPatterns)]
}

// cssColor renders a colour for the HTML legend.
func cssColor(c drawing.Color) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// legendItem is one entry of a chart's HTML legend (the legend lives outside the SVG so a
// chart with twenty stations stays readable).
type legendItem struct {
	Label string
	Color string
	// Style: "line", "dash", "dot" (dotted), "box" (filled) or "band" (shaded interval).
	Style string
}

func legendFor(label string, c drawing.Color, dash []float64) legendItem {
	st := "line"
	switch {
	case len(dash) == 2 && dash[0] <= 2:
		st = "dot"
	case len(dash) > 0:
		st = "dash"
	}
	return legendItem{Label: label, Color: cssColor(c), Style: st}
}

// line is a polyline in data coordinates.
type line struct {
	name   string
	xs, ys []float64
	color  drawing.Color
	dash   []float64
	width  float64
	dots   bool
	// realPoints, when > 0, limits the dots to the first realPoints points (the rest are
	// drawing aids, such as where a clipped line leaves the chart).
	realPoints int
}

// box is a filled rectangle in data coordinates (a bar, a shaded interval).
type box struct {
	x0, x1, y0, y1 float64
	fill, stroke   drawing.Color
}

// label is a short text in the chart itself, left-aligned just right of x at the top of the
// plot area (the name of a vertical mark, such as "RTO").
type label struct {
	x     float64
	text  string
	color drawing.Color
}

// whisker is an error bar in data coordinates: vertical at x from lo to hi (horizontal when
// the plot is horizontal).
type whisker struct {
	at, lo, hi, half float64
}

// plot is one chart before rendering. Ticks are chosen by the caller (niceTicks or category
// ticks) so go-chart never has to guess a range from degenerate data.
type plot struct {
	width, height  int
	xTicks, yTicks []chart.Tick
	xName, yName   string
	// y2Ticks and y2Name make a right-hand axis (see rightTicks): its tick values are in the
	// left axis's coordinates, its labels in its own unit.
	y2Ticks  []chart.Tick
	y2Name   string
	lines    []line
	boxes    []box
	whiskers []whisker
	labels   []label
	// horizontal: whiskers run along x (for horizontal bars).
	horizontal bool
}

// shapes is a go-chart Series drawing boxes, whiskers and labels with the chart's own range
// translation, on the left (secondary) axis like every series here.
type shapes struct {
	boxes      []box
	whiskers   []whisker
	labels     []label
	horizontal bool
}

func (s shapes) GetName() string           { return "shapes" }
func (s shapes) GetYAxis() chart.YAxisType { return chart.YAxisSecondary }
func (s shapes) GetStyle() chart.Style     { return chart.Style{} }
func (s shapes) Validate() error           { return nil }
func (s shapes) Render(r chart.Renderer, cb chart.Box, xr, yr chart.Range, defaults chart.Style) {
	px := func(x float64) int { return cb.Left + xr.Translate(x) }
	py := func(y float64) int { return cb.Bottom - yr.Translate(y) }
	for _, b := range s.boxes {
		st := chart.Style{FillColor: b.fill, StrokeColor: b.stroke, StrokeWidth: 1}
		if b.stroke.IsZero() {
			st.StrokeWidth = 0
		}
		x0, x1, y0, y1 := px(b.x0), px(b.x1), py(b.y1), py(b.y0)
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		if y1 < y0 {
			y0, y1 = y1, y0
		}
		chart.Draw.Box(r, chart.Box{Left: x0, Right: x1, Top: y0, Bottom: y1}, st)
	}
	st := chart.Style{StrokeColor: colSat, StrokeWidth: 1.5}
	for _, w := range s.whiskers {
		st.GetStrokeOptions().WriteDrawingOptionsToRenderer(r)
		if s.horizontal {
			y, y0, y1 := py(w.at), py(w.at-w.half), py(w.at+w.half)
			r.MoveTo(px(w.lo), y)
			r.LineTo(px(w.hi), y)
			r.MoveTo(px(w.lo), y0)
			r.LineTo(px(w.lo), y1)
			r.MoveTo(px(w.hi), y0)
			r.LineTo(px(w.hi), y1)
		} else {
			x, x0, x1 := px(w.at), px(w.at-w.half), px(w.at+w.half)
			r.MoveTo(x, py(w.lo))
			r.LineTo(x, py(w.hi))
			r.MoveTo(x0, py(w.lo))
			r.LineTo(x1, py(w.lo))
			r.MoveTo(x0, py(w.hi))
			r.LineTo(x1, py(w.hi))
		}
		r.Stroke()
	}
	for _, l := range s.labels {
		st := chart.Style{FontColor: l.color, FontSize: 9}.InheritFrom(defaults)
		chart.Draw.Text(r, l.text, px(l.x)+3, cb.Top+10, st)
	}
}

var errDegenerate = errors.New("not enough data")

// render draws the plot as SVG. It refuses (errDegenerate) rather than panics on empty or
// non-finite data, and turns a panic inside go-chart into an error as a last line of defence.
func (p plot) render() (svg template.HTML, err error) {
	if len(p.xTicks) < 2 || len(p.yTicks) < 2 {
		return "", errDegenerate
	}
	for _, t := range append(append([]chart.Tick{}, p.xTicks...), p.yTicks...) {
		if isBad(t.Value) {
			return "", errDegenerate
		}
	}
	if p.xTicks[0].Value == p.xTicks[len(p.xTicks)-1].Value || p.yTicks[0].Value == p.yTicks[len(p.yTicks)-1].Value {
		return "", errDegenerate
	}
	var series []chart.Series
	var labels []label
	for _, l := range p.labels {
		if !isBad(l.x) {
			labels = append(labels, l)
		}
	}
	if len(p.boxes) > 0 || len(p.whiskers) > 0 || len(labels) > 0 {
		series = append(series, shapes{boxes: p.boxes, whiskers: p.whiskers, labels: labels, horizontal: p.horizontal})
	}
	for _, l := range p.lines {
		if len(l.xs) == 0 || len(l.xs) != len(l.ys) {
			continue
		}
		ok := true
		for i := range l.xs {
			if isBad(l.xs[i]) || isBad(l.ys[i]) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		w := l.width
		if w == 0 {
			w = 2
		}
		st := chart.Style{StrokeColor: l.color, StrokeWidth: w, StrokeDashArray: l.dash}
		if l.dots {
			st.DotColor, st.DotWidth = l.color, 2.5
			if n := l.realPoints; n > 0 {
				st.DotWidthProvider = func(_, _ chart.Range, i int, _, _ float64) float64 {
					if i < n {
						return 2.5
					}
					return 0
				}
			}
		}
		series = append(series, chart.ContinuousSeries{
			Name: l.name, XValues: l.xs, YValues: l.ys, Style: st, YAxis: chart.YAxisSecondary,
		})
	}
	if len(series) == 0 {
		return "", errDegenerate
	}
	text := chart.Style{FontColor: colText, FontSize: 10, StrokeColor: colAxis, StrokeWidth: 1}
	grid := chart.Style{StrokeColor: colGrid, StrokeWidth: 1}
	name := chart.Style{FontColor: colText, FontSize: 10.5}
	c := chart.Chart{
		Width: p.width, Height: p.height,
		Background: chart.Style{Padding: chart.Box{Top: 30, Left: 12, Right: 24, Bottom: 8}},
		XAxis: chart.XAxis{
			Name: p.xName, NameStyle: name, Style: text, Ticks: p.xTicks,
			GridMajorStyle: grid, GridMinorStyle: chart.Style{Hidden: true},
		},
		// The primary (right) axis is hidden; series sit on the secondary (left) axis,
		// where readers look for it. Both get the same ticks so both ranges are defined.
		YAxis: chart.YAxis{Style: chart.Style{Hidden: true}, Ticks: p.yTicks,
			GridMajorStyle: chart.Style{Hidden: true}, GridMinorStyle: chart.Style{Hidden: true}},
		// The y axis name is drawn horizontally above the axis (yLabel): go-chart's rotated
		// name collides with long tick labels such as "4,000".
		YAxisSecondary: chart.YAxis{
			Style: text, Ticks: p.yTicks,
			GridMajorStyle: grid, GridMinorStyle: chart.Style{Hidden: true},
		},
		Series: series,
	}
	if len(p.y2Ticks) >= 2 {
		// go-chart sets both y ranges from the primary axis's ticks, so the right-hand axis
		// shares the left one's range and only its labels differ (rightTicks scales them).
		c.YAxis = chart.YAxis{Style: text, Ticks: p.y2Ticks,
			GridMajorStyle: chart.Style{Hidden: true}, GridMinorStyle: chart.Style{Hidden: true}}
	}
	if p.yName != "" {
		c.Elements = append(c.Elements, yLabel(p.yName, name))
	}
	if p.y2Name != "" && len(p.y2Ticks) >= 2 {
		c.Elements = append(c.Elements, y2Label(p.y2Name, name))
	}
	defer func() {
		if rec := recover(); rec != nil {
			svg, err = "", fmt.Errorf("%w (chart library: %v)", errDegenerate, rec)
		}
	}()
	var buf bytes.Buffer
	if err := c.Render(escapingSVG, &buf); err != nil {
		return "", fmt.Errorf("%w (chart library: %v)", errDegenerate, err)
	}
	// The SVG comes from go-chart, built from numbers and from text escaped by
	// escapingRenderer, so it is safe to embed as is.
	return template.HTML(buf.String()), nil //nolint:gosec // see above
}

// yLabel draws the y axis name left-aligned just above the top of the plot area.
func yLabel(text string, st chart.Style) chart.Renderable {
	return func(r chart.Renderer, cb chart.Box, defaults chart.Style) {
		chart.Draw.Text(r, text, 14, cb.Top-12, st.InheritFrom(defaults))
	}
}

// y2Label draws the right-hand axis name right-aligned just above the top of the plot area.
func y2Label(text string, st chart.Style) chart.Renderable {
	return func(r chart.Renderer, cb chart.Box, defaults chart.Style) {
		s := st.InheritFrom(defaults)
		w := chart.Draw.MeasureText(r, text, s).Width()
		chart.Draw.Text(r, text, cb.Right-w, cb.Top-12, s)
	}
}

// rightTicks makes the ticks of a right-hand axis for values in [0, hi] beside a left axis
// with ticks left (starting at 0): round values in the right-hand unit, placed at value × k
// in the left axis's coordinates. A right-hand series is drawn multiplied by k. k is 0 when
// there is nothing to draw.
func rightTicks(left []chart.Tick, hi float64, f func(float64) string) ([]chart.Tick, float64) {
	if len(left) < 2 || isBad(hi) || hi <= 0 {
		return nil, 0
	}
	rt := niceTicks(0, hi, len(left)-1, f)
	if len(rt) < 2 {
		return nil, 0
	}
	top, ltop := rt[len(rt)-1].Value, left[len(left)-1].Value
	if top <= 0 || ltop <= 0 || left[0].Value != 0 {
		return nil, 0
	}
	k := ltop / top
	out := make([]chart.Tick, len(rt))
	for i, t := range rt {
		out[i] = chart.Tick{Value: t.Value * k, Label: t.Label}
	}
	return out, k
}

// niceTicks returns about n evenly spaced round tick values covering [lo, hi], labelled with
// f. A zero-width range is widened so the chart still has an axis.
func niceTicks(lo, hi float64, n int, f func(float64) string) []chart.Tick {
	if isBad(lo) || isBad(hi) {
		return nil
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo == hi {
		if lo == 0 {
			hi = 1
		} else {
			d := math.Abs(lo) * 0.5
			lo, hi = lo-d, hi+d
			if lo < 0 && hi > 0 && lo > -hi { // keep positive data on a zero-based axis
				lo = 0
			}
		}
	}
	step := niceNum((hi - lo) / float64(n))
	start := math.Floor(lo/step) * step
	var ticks []chart.Tick
	for i := 0; ; i++ {
		v := start + float64(i)*step
		// snap tiny float noise so labels read "0.3", not "0.30000000000000004"
		v = math.Round(v/step*1e6) / 1e6 * step
		ticks = append(ticks, chart.Tick{Value: v, Label: f(v)})
		if v >= hi-step*1e-9 || i > 4*n+4 {
			break
		}
	}
	return ticks
}

// niceNum rounds a positive step to 1, 2, 2.5 or 5 times a power of ten.
func niceNum(x float64) float64 {
	if x <= 0 || isBad(x) {
		return 1
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case f <= 1:
		nf = 1
	case f <= 2:
		nf = 2
	case f <= 2.5:
		nf = 2.5
	case f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

// categoryTicks labels positions 0..n-1 with names, with half a slot of margin either side.
func categoryTicks(names []string) []chart.Tick {
	ticks := []chart.Tick{{Value: -0.5, Label: ""}}
	for i, n := range names {
		ticks = append(ticks, chart.Tick{Value: float64(i), Label: n})
	}
	return append(ticks, chart.Tick{Value: float64(len(names)) - 0.5, Label: ""})
}
