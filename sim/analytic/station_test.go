package analytic

import (
	"errors"
	"testing"
)

func TestStationDispatch(t *testing.T) {
	// Exponential service, 4 servers: exact Erlang C.
	m, exact, err := Station(360, 0.010, 1, 4)
	want, _ := MMc(360, 0.010, 4)
	if err != nil || !exact {
		t.Fatalf("exact=%v err=%v", exact, err)
	}
	compareMetrics(t, m, want, 0)
	// One server, any scv: exact Pollaczek–Khinchine.
	m, exact, err = Station(80, 0.010, 0, 1)
	want, _ = MD1(80, 0.010)
	if err != nil || !exact {
		t.Fatalf("exact=%v err=%v", exact, err)
	}
	compareMetrics(t, m, want, 0)
	// Several servers, scv ≠ 1: Allen–Cunneen, flagged approximate.
	m, exact, err = Station(360, 0.010, 0.25, 4)
	want, _ = MGcApprox(360, 0.010, 0.25, 4)
	if err != nil || exact {
		t.Fatalf("exact=%v err=%v", exact, err)
	}
	compareMetrics(t, m, want, 0)
	if _, _, err := Station(500, 0.010, 1, 4); !errors.Is(err, ErrUnstable) {
		t.Errorf("overload: %v", err)
	}
}

func TestResponseQuantileDispatch(t *testing.T) {
	got, err := ResponseQuantile(360, 0.010, 1, 4, 0.95)
	want, _ := MMcResponseQuantile(360, 0.010, 4, 0.95)
	if err != nil || got != want {
		t.Errorf("M/M/4: %g, %v; want %g", got, err, want)
	}
	got, err = ResponseQuantile(80, 0.010, 0, 1, 0.95)
	want, _ = MD1ResponseQuantile(80, 0.010, 0.95)
	if err != nil || got != want {
		t.Errorf("M/D/1: %g, %v; want %g", got, err, want)
	}
	if _, err := ResponseQuantile(80, 0.010, 0.5, 1, 0.95); !errors.Is(err, ErrNoClosedForm) {
		t.Errorf("M/G/1: %v, want ErrNoClosedForm", err)
	}
	if _, err := ResponseQuantile(80, 0.010, -1, 1, 0.95); err == nil || errors.Is(err, ErrNoClosedForm) {
		t.Errorf("scv<0: %v", err)
	}
}
