package scenarios

import (
	"strings"
	"testing"
)

// TestSecrets: every value from the environment is a secret except numbers, booleans,
// quantities and values under 3 characters; error messages hide secrets unless
// WithRedact(false); defaults written in the file are not variables.
func TestSecrets(t *testing.T) {
	for v, want := range map[string]bool{
		"s3cr3t-token": true, "http://h/x": true, "abc": true,
		"80": false, "1.0e4": false, "true": false, "250ms": false, "64GiB": false, "80/s": false, "ab": false,
	} {
		if got := (Var{Name: "X", Value: v}).Secret(); got != want {
			t.Errorf("%q: secret %v, want %v", v, got, want)
		}
	}
	text := "name: x\ntitle: \"${TITLE}\"\nload: {design: ${D:-80}}\nstations: [{name: s, servers: 1, service: \"${MEAN}\"}]\nflows: [{name: f, rate: 1/s, route: [{station: s}]}]\n"
	vars := map[string]string{"TITLE": "my-secret-title", "MEAN": "hunter22"}
	_, err := Load("r.yaml", []byte(text), env(vars))
	if err == nil || strings.Contains(err.Error(), "hunter22") || !strings.Contains(err.Error(), "${MEAN}") {
		t.Errorf("redacted error: %v", err)
	}
	_, err = Load("r.yaml", []byte(text), env(vars), WithRedact(false))
	if err == nil || !strings.Contains(err.Error(), "hunter22") {
		t.Errorf("WithRedact(false): %v", err)
	}
	vars["MEAN"] = "5ms"
	s, err := Load("r.yaml", []byte(text), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Vars) != 2 || len(s.Secrets()) != 1 || s.Secrets()[0].Name != "TITLE" || s.Title != "my-secret-title" {
		t.Errorf("vars %+v secrets %+v title %q", s.Vars, s.Secrets(), s.Title)
	}
}
