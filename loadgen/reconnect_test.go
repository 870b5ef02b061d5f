package loadgen_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
)

// freeAddr returns a loopback address nobody listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestReconnectLateTarget: the target comes up 2 s after the run starts. Every VU's first
// connection is refused; VUs reconnect with backoff, so every hit due once the target is up
// and a full backoff has passed (up + DefaultReconnectMax) is served, for the open and the
// closed executors alike. The truth is the schedule: 50 hits/s from 3.5 s to 5 s.
func TestReconnectLateTarget(t *testing.T) {
	const (
		rate  = 50.0
		dur   = 5 * time.Second
		upAt  = 2 * time.Second
		slack = 500 * time.Millisecond
	)
	if loadgen.DefaultReconnectMax+upAt+slack >= dur {
		t.Fatalf("DefaultReconnectMax %v leaves no time to check", loadgen.DefaultReconnectMax)
	}
	servedFrom := upAt + loadgen.DefaultReconnectMax + slack
	g, _ := loadgen.NewGuard()
	for _, c := range []struct {
		name string
		ex   func() (loadgen.Executor, error)
	}{
		{"constant-arrival-rate", func() (loadgen.Executor, error) {
			return loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: rate, Duration: dur, PreAllocatedVUs: 2, MaxVUs: 10, GracefulStop: time.Second})
		}},
		{"constant-vus", func() (loadgen.Executor, error) {
			return loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 1, Duration: dur, GracefulStop: time.Second})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := freeAddr(t)
			target, err := loadgen.NewRawHTTPAPI("http://"+addr, nil, g, 1)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := c.ex()
			if err != nil {
				t.Fatal(err)
			}
			srvc := make(chan *loopback.Server, 1)
			time.AfterFunc(upAt, func() {
				srv, err := loopback.Start(loopback.Config{Addr: addr, GRPCAddr: "off"})
				if err != nil {
					t.Error(err)
				}
				srvc <- srv
			})
			res, err := ex.Run(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			srv := <-srvc
			if srv == nil {
				return
			}
			defer srv.Close()
			t.Logf("%+v errors %v", res.Counts, res.Errors)
			if !res.Balanced() {
				t.Errorf("accounting: %+v", res.Counts)
			}
			if res.Failed == 0 {
				t.Error("no hit failed while the target was down")
			}
			served := srv.Stats().Requests
			if c.name == "constant-arrival-rate" {
				// every hit due in [servedFrom, dur) is served
				want := uint64(rate * (dur - servedFrom).Seconds())
				if res.OK < want || served < want {
					t.Errorf("ok %d, served %d: want ≥ %d (the hits due after %v)", res.OK, served, want, servedFrom)
				}
			} else if served < 50 {
				// one VU without think time against a target answering in well under 10 ms
				t.Errorf("closed VU: served %d after the target came up, want ≥ 50", served)
			}
		})
	}
}
