package loadgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// TestLedgerAccountsForEveryID is the Jepsen set check in miniature: a server that stores
// every batch it reads, then answers 200, 500 (stored anyway) or too late, and the ledger must
// explain every stored id — acknowledged ids all stored, none stored twice, none invented —
// with one entry per scheduled hit and its outcome counts equal to the run's counts.
func TestLedgerAccountsForEveryID(t *testing.T) {
	var mu sync.Mutex
	stored := map[string]int{}
	var n atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Events []struct {
				ID string `json:"id"`
			} `json:"events"`
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, e := range b.Events {
			stored[e.ID]++
		}
		mu.Unlock()
		switch n.Add(1) % 7 {
		case 3:
			http.Error(w, "stored, then failed", 500)
			return
		case 5:
			time.Sleep(80 * time.Millisecond) // past the 40 ms timeout: indeterminate
		}
		w.Header().Set("X-Accepted", fmt.Sprint(len(b.Events)))
	}))
	defer srv.Close()
	g, err := loadgen.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := loadgen.NewHTTPIngest(srv.URL, 3, nil, g, 20, "run7", 1)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 200, Duration: time.Second, PreAllocatedVUs: 4, MaxVUs: 8})
	if err != nil {
		t.Fatal(err)
	}
	var l loadgen.Ledger
	res, err := ex.Run(context.Background(), tgt, loadgen.WithLedger(&l), loadgen.WithTimeout(40*time.Millisecond), loadgen.WithGracefulStop(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	es := l.Entries()
	if uint64(len(es)) != res.Scheduled {
		t.Fatalf("ledger has %d entries, the run scheduled %d hits", len(es), res.Scheduled)
	}
	var count [5]uint64
	claimed := map[string]loadgen.Outcome{}
	for i, e := range es {
		count[e.Outcome]++
		if i > 0 && e.Intended < es[i-1].Intended {
			t.Fatalf("entries not in intended order at %d", i)
		}
		for k := range uint64(e.Events) {
			id := fmt.Sprintf("run7-%d-%d", e.VU, e.FirstEvent+k)
			if _, dup := claimed[id]; dup {
				t.Fatalf("id %s claimed by two hits", id)
			}
			claimed[id] = e.Outcome
		}
	}
	c := res.Counts
	if want := [5]uint64{c.OK, c.Failed, c.TimedOut, c.Interrupted, c.Dropped}; count != want {
		t.Errorf("ledger outcomes %v, run counts (ok, failed, timed out, interrupted, dropped) %v", count, want)
	}
	if c.OK == 0 || c.Failed == 0 || c.TimedOut == 0 {
		t.Fatalf("an outcome was not exercised: %+v", c)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, o := range claimed {
		if o == loadgen.OutcomeOK && stored[id] != 1 {
			t.Errorf("acknowledged id %s stored %d times", id, stored[id])
		}
	}
	for id := range stored {
		if _, ok := claimed[id]; !ok {
			t.Errorf("stored id %s is in no ledger entry", id)
		}
	}
}
