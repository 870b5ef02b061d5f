package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// TestStatusOK: only a 2xx answer is a success, in every HTTP client. A 3xx is a failure and
// is not followed (the redirect's target would answer for a request it was not sent); The server counts what
// it was sent, so the truth is one request per hit and no request to the redirect's target.
func TestStatusOK(t *testing.T) {
	var followed atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/moved/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	mux.HandleFunc("/ok/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	g, _ := loadgen.NewGuard()
	for _, c := range []struct {
		path   string
		wantOK bool
	}{{"/moved", false}, {"/ok", true}} {
		targets := map[string]func() (loadgen.Target, error){
			"raw api": func() (loadgen.Target, error) { return loadgen.NewRawHTTPAPI(srv.URL+c.path, nil, g, 1) },
			"api":     func() (loadgen.Target, error) { return loadgen.NewHTTPAPI(srv.URL+c.path, nil, g, 2, 1) },
			"raw ingest": func() (loadgen.Target, error) {
				return loadgen.NewRawHTTPIngest(srv.URL+c.path+"/ingest", 5, nil, g, "r", 1)
			},
			"ingest": func() (loadgen.Target, error) {
				return loadgen.NewHTTPIngest(srv.URL+c.path+"/ingest", 5, nil, g, 2, "r", 1)
			},
		}
		for name, mk := range targets {
			target, err := mk()
			if err != nil {
				t.Fatal(err)
			}
			vu, err := target.NewVU(0)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				h := &loadgen.Hit{Seq: uint64(i), Deadline: time.Now().Add(5 * time.Second)}
				err := vu.Do(context.Background(), h)
				if (err == nil) != c.wantOK {
					t.Errorf("%s %s: status %d, err %v: want ok %v", name, c.path, h.Status, err, c.wantOK)
				}
				if !c.wantOK && (err == nil || !strings.Contains(err.Error(), "302")) {
					t.Errorf("%s %s: err %v, want one naming the 302", name, c.path, err)
				}
			}
		}
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("%d redirects followed", n)
	}
}
