package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// TestFailureValidation: a bad failure target or kind is a clear error at the offending node.
func TestFailureValidation(t *testing.T) {
	base := readTestdata(t, "deploy.yaml") + "failures:\n  - {at: 30s, node: search-2, kind: crash, recover_after: 5m}\n"
	if _, err := Load("t.yaml", []byte(base)); err != nil {
		t.Fatalf("the base with a valid failure does not load: %v", err)
	}
	cases := []struct {
		name, old, new, msg, at string
	}{
		{"unknown node", "node: search-2", "node: search-9", `failure target: no node "search-9"`, "search-9"},
		{"unknown kind", "kind: crash", "kind: explode", `kind must be crash, stop, pause, slow or partition, got "explode"`, "explode"},
		{"two targets", "node: search-2", "node: search-2, cache: redis", "a failure needs exactly one target", "at: 30s"},
		{"no target", "node: search-2, ", "", "a failure needs exactly one target", "at: 30s"},
		{"unknown service", "node: search-2", "service: nope", `failure target: no service "nope"`, "nope"},
		{"instance out of range", "node: search-2", "service: agent-manager, instance: 3", `service "agent-manager" has 2 instances, no instance 3`, "3, kind"},
		{"unknown database", "node: search-2", "database: mysql", `failure target: no database "mysql"`, "mysql"},
		{"slow factor", "kind: crash", "kind: slow, factor: 0.25", "factor must be ≥ 1", "0.25"},
		{"peers without partition", "kind: crash", "kind: crash, peers: [search-3, lb-1]", "peers are only for kind partition", "[search-3, lb-1]"},
		{"bad duration", "recover_after: 5m", "recover_after: soon", `invalid duration "soon"`, "soon"},
		{"unknown key", "recover_after: 5m", "recover_afterr: 5m", `unknown field "recover_afterr"`, "recover_afterr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(base, tc.old, tc.new, 1)
			_, err := Load("t.yaml", []byte(text))
			var list ErrorList
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &list) {
				t.Fatalf("want an ErrorList wrapping ErrInvalid, got %v", err)
			}
			line, col := posOf(t, text, tc.at, 0)
			for _, e := range list {
				if strings.Contains(e.Msg, tc.msg) {
					if e.Line != line || e.Col != col {
						t.Errorf("%q at %d:%d, want %d:%d", e.Msg, e.Line, e.Col, line, col)
					}
					return
				}
			}
			t.Errorf("no error containing %q in:\n%s", tc.msg, list.Verbose())
		})
	}
}

// TestBackupValidation: a backup instance must exist and at least one instance must not be one.
func TestBackupValidation(t *testing.T) {
	base := readTestdata(t, "deploy.yaml")
	for _, tc := range []struct{ old, new, msg string }{
		{"weights: [2, 1]}", "weights: [2, 1], backup: [3]}", "backup instance 3 does not exist"},
		{"weights: [2, 1]}", "weights: [2, 1], backup: [1, 2]}", "at least one must take traffic"},
	} {
		if strings.Count(base, tc.old) != 1 {
			t.Fatalf("%q not unique in deploy.yaml", tc.old)
		}
		_, err := Load("t.yaml", []byte(strings.Replace(base, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("want an error containing %q, got %v", tc.msg, err)
		}
	}
}
