package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time span written the Go way ("250ms", "1.5s", "2m", "100us").
// A bare number is rejected: the unit must be explicit.
type Duration time.Duration

// Seconds returns d in seconds.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// ParseDuration parses "250ms", "1.5s", "2m", "100us" (also "µs"), "1h", "1d" (24h).
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration, expected e.g. 250ms")
	}
	if strings.HasSuffix(s, "d") && !strings.HasSuffix(s, "ms") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 365*100 {
			return 0, fmt.Errorf("invalid duration %q, expected e.g. 250ms, 2s, 3d", s)
		}
		return Duration(f * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q, expected e.g. 250ms, 2s, 5m", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return Duration(d), nil
}

// UnmarshalYAML decodes a duration string.
func (d *Duration) UnmarshalYAML(b []byte) error {
	v, err := ParseDuration(unquote(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML encodes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Size is a number of bytes written with a unit: "500B", "64GiB", "2TB" (SI: kB, MB, GB, TB, PB =
// powers of 1000; IEC: KiB, MiB, GiB, TiB, PiB = powers of 1024). A bare number means bytes.
type Size float64

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1},
}

// ParseSize parses "64GiB", "2TB", "500B", "1.5 MB".
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	mult := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			mult = u.mult
			s = strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid size %q, expected e.g. 500B, 64GiB, 2TB", s)
	}
	return Size(f * mult), nil
}

// UnmarshalYAML decodes a size string or a number of bytes.
func (z *Size) UnmarshalYAML(b []byte) error {
	v, err := ParseSize(unquote(b))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// Rate is a number of things per second written with its time unit: "80/s", "1200/min", "5/h".
// A bare number means per second.
type Rate float64

// ParseRate parses "80/s", "1200/min", "5/h", "0.5/ms".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	num, unit, found := strings.Cut(s, "/")
	per := 1.0
	if found {
		switch strings.TrimSpace(unit) {
		case "s", "sec", "second":
			per = 1
		case "ms":
			per = 1e-3
		case "min", "m", "minute":
			per = 60
		case "h", "hour":
			per = 3600
		case "d", "day":
			per = 86400
		default:
			return 0, fmt.Errorf("invalid rate unit %q in %q, expected /s, /min or /h", unit, s)
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid rate %q, expected e.g. 80/s", s)
	}
	return Rate(f / per), nil
}

// UnmarshalYAML decodes a rate string or a number per second.
func (r *Rate) UnmarshalYAML(b []byte) error {
	v, err := ParseRate(unquote(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Dist is a service-time (or think-time) distribution.
//
// Written as a scalar duration ("10ms") it is exponential with that mean. As a mapping:
//
//	{dist: exponential, mean: 10ms}
//	{dist: deterministic, mean: 10ms}
//	{dist: lognormal, mean: 10ms, p95: 30ms}   # or cv: 1.5 instead of p95
//	{dist: gamma, mean: 10ms, cv: 0.5}
//	{dist: uniform, min: 5ms, max: 15ms}
//	{dist: empirical, samples: [3ms, 4ms, 12ms]}
type Dist struct {
	Kind    string     `yaml:"dist" json:"dist" jsonschema:"enum=exponential,enum=deterministic,enum=lognormal,enum=gamma,enum=uniform,enum=empirical"`
	Mean    Duration   `yaml:"mean,omitempty" json:"mean,omitempty"`
	P95     Duration   `yaml:"p95,omitempty" json:"p95,omitempty"`
	CV      float64    `yaml:"cv,omitempty" json:"cv,omitempty"`
	Min     Duration   `yaml:"min,omitempty" json:"min,omitempty"`
	Max     Duration   `yaml:"max,omitempty" json:"max,omitempty"`
	Samples []Duration `yaml:"samples,omitempty" json:"samples,omitempty"`
}

// Dist kinds.
const (
	Exponential   = "exponential"
	Deterministic = "deterministic"
	Lognormal     = "lognormal"
	Gamma         = "gamma"
	Uniform       = "uniform"
	Empirical     = "empirical"
)

// IsZero reports whether no distribution was given.
func (d Dist) IsZero() bool { return d.Kind == "" }

// MeanSeconds is the distribution's mean in seconds.
func (d Dist) MeanSeconds() float64 {
	switch d.Kind {
	case Uniform:
		return (d.Min.Seconds() + d.Max.Seconds()) / 2
	case Empirical:
		if len(d.Samples) == 0 {
			return 0
		}
		s := 0.0
		for _, v := range d.Samples {
			s += v.Seconds()
		}
		return s / float64(len(d.Samples))
	}
	return d.Mean.Seconds()
}

// SCV is the squared coefficient of variation (variance / mean²) of the distribution, as used by
// the Pollaczek–Khinchine formula.
func (d Dist) SCV() float64 {
	switch d.Kind {
	case Exponential:
		return 1
	case Deterministic:
		return 0
	case Gamma:
		return d.CV * d.CV
	case Lognormal:
		return d.LognormalCV() * d.LognormalCV()
	case Uniform:
		m := d.MeanSeconds()
		if m == 0 {
			return 0
		}
		w := d.Max.Seconds() - d.Min.Seconds()
		return w * w / 12 / (m * m)
	case Empirical:
		m := d.MeanSeconds()
		if m == 0 || len(d.Samples) == 0 {
			return 0
		}
		v := 0.0
		for _, s := range d.Samples {
			x := s.Seconds() - m
			v += x * x
		}
		return v / float64(len(d.Samples)) / (m * m)
	}
	return 1
}

// LognormalCV is the coefficient of variation of a lognormal given by mean and cv or p95.
// With p95, sigma solves p95 = mean·exp(σ·z95 − σ²/2) (z95 = 1.6449), taking the smaller root.
func (d Dist) LognormalCV() float64 {
	if d.CV > 0 {
		return d.CV
	}
	s := d.LognormalSigma()
	return math.Sqrt(math.Exp(s*s) - 1)
}

// LognormalSigma is σ of the underlying normal of a lognormal Dist.
func (d Dist) LognormalSigma() float64 {
	if d.CV > 0 {
		return math.Sqrt(math.Log(1 + d.CV*d.CV))
	}
	m, p := d.Mean.Seconds(), d.P95.Seconds()
	if m <= 0 || p <= m {
		return 0
	}
	// σ²/2 − z σ + ln(p/m) = 0  →  σ = z − sqrt(z² − 2 ln(p/m))
	const z = 1.6448536269514722
	disc := z*z - 2*math.Log(p/m)
	if disc < 0 {
		return z // p95 too far from the mean for a lognormal: clamp (validation rejects this)
	}
	return z - math.Sqrt(disc)
}

// Scaled returns the distribution with its mean (and every duration) multiplied by k.
// Shape (cv) is kept.
func (d Dist) Scaled(k float64) Dist {
	sc := func(x Duration) Duration { return Duration(float64(x) * k) }
	out := d
	out.Mean, out.P95, out.Min, out.Max = sc(d.Mean), sc(d.P95), sc(d.Min), sc(d.Max)
	if len(d.Samples) > 0 {
		out.Samples = make([]Duration, len(d.Samples))
		for i, s := range d.Samples {
			out.Samples[i] = sc(s)
		}
	}
	return out
}

// UnmarshalYAML accepts a scalar duration (exponential with that mean) or a mapping.
func (d *Dist) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		m, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Dist{Kind: Exponential, Mean: m}
		return nil
	}
	type plain Dist
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*d = Dist(p)
	if d.Kind == "" {
		d.Kind = Exponential
	}
	return nil
}

func unquote(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = s[1 : len(s)-1]
	}
	return s
}
