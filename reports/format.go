package reports

import (
	"math"
	"strconv"
	"strings"
)

// The formatters below turn model numbers into text for people: thousands separators
// ("1,500"), about three significant digits ("12.3 ms"), SI byte units ("2.1 TB").
// Every one of them prints "–" for NaN and "∞" for ±Inf instead of failing.

// fmtNum formats a plain number: integers with thousands separators from 1,000 up,
// about three significant digits below that, trailing zeros trimmed.
func fmtNum(v float64) string {
	return strings.Replace(fmtNumASCII(v), "-", "−", 1) // typographic minus
}

func fmtNumASCII(v float64) string {
	if s, bad := nonFinite(v); bad {
		return s
	}
	a := math.Abs(v)
	var s string
	switch {
	case a == 0:
		return "0"
	case a >= 1000:
		return groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.001:
		// three significant digits
		d := 2 - int(math.Floor(math.Log10(a)))
		s = strconv.FormatFloat(v, 'f', d, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	s = trimZeros(s)
	if s == "1000" || s == "-1000" { // 999.6 rounds up
		return groupThousands(s)
	}
	return s
}

func nonFinite(v float64) (string, bool) {
	switch {
	case math.IsNaN(v):
		return "–", true
	case math.IsInf(v, 1):
		return "∞", true
	case math.IsInf(v, -1):
		return "−∞", true
	}
	return "", false
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// groupThousands inserts commas into a string of digits with an optional sign.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// fmtMS formats a time in milliseconds: "12.3 ms", "2,300 ms".
func fmtMS(v float64) string { return fmtNum(v) + " ms" }

// fmtPct formats a fraction (0.38) as a percentage ("38 %").
func fmtPct(frac float64) string { return fmtPercent(frac * 100) }

// fmtPercent formats a value already in percent ("38 %", "4.2 %", "−12 %").
func fmtPercent(p float64) string {
	if s, bad := nonFinite(p); bad {
		return s + " %"
	}
	a := math.Abs(p)
	var s string
	switch {
	case a >= 10:
		s = groupThousands(strconv.FormatFloat(math.Round(p), 'f', 0, 64))
	case a >= 1:
		s = trimZeros(strconv.FormatFloat(p, 'f', 1, 64))
	default:
		s = trimZeros(strconv.FormatFloat(p, 'f', 2, 64))
	}
	if s == "-0" {
		s = "0"
	}
	return strings.Replace(s, "-", "−", 1) + " %"
}

// fmtSignedPercent is fmtPercent with an explicit "+" for gains.
func fmtSignedPercent(p float64) string {
	if p > 0 && !math.IsInf(p, 1) {
		return "+" + fmtPercent(p)
	}
	return fmtPercent(p)
}

// fmtBytes formats a byte count in SI units: "512 B", "64 GB", "2.1 TB".
func fmtBytes(v float64) string {
	if s, bad := nonFinite(v); bad {
		return s
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	a := math.Abs(v)
	i := 0
	for a >= 1000 && i < len(units)-1 {
		a /= 1000
		v /= 1000
		i++
	}
	return fmtNum(v) + " " + units[i]
}

// fmtIEC formats a byte count in binary units, as memory is sized: "64 GiB", "512 MiB".
func fmtIEC(v float64) string {
	if s, bad := nonFinite(v); bad {
		return s
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmtNum(v) + " " + units[i]
}

// fmtDays formats a number of days: "36 days", "1.5 days", "> 100 years".
func fmtDays(d float64) string {
	switch {
	case math.IsNaN(d):
		return "–"
	case math.IsInf(d, 1) || d > 36500:
		return "never (> 100 years)"
	case d >= 730:
		return fmtNum(d/365) + " years"
	case d == 1:
		return "1 day"
	}
	return fmtNum(d) + " days"
}

// fmtCI formats a 95 % interval "6,700–7,100", or "" when both ends print the same (one
// replication, or a bisection that ended on the same step in every replication).
func fmtCI(ci [2]float64, f func(float64) string) string {
	lo, hi := f(ci[0]), f(ci[1])
	if lo == hi {
		return ""
	}
	return lo + "–" + hi
}

// withUnit appends a unit after a space when the unit is not empty.
func withUnit(s, unit string) string {
	if unit == "" {
		return s
	}
	return s + " " + unit
}
