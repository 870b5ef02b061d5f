package scenarios

import (
	"strings"
	"testing"
)

// TestInterpolationScalarOnly: a variable gives one scalar value and never changes the file's
// structure. The case, in a flow mapping and in a block mapping, is an error at the
// ${...} as written; in quotes a value is text, whatever it holds.
func TestInterpolationScalarOnly(t *testing.T) {
	const flowText = `name: mm1
load: {variable: arrival_rate, unit: req/s, design: ${DESIGN}}
stations:
  - {name: server, servers: 1, service: 10ms}
flows:
  - {name: jobs, rate: 80/s, route: [{station: server}]}
`
	const blockText = `name: mm1
load:
  variable: arrival_rate
  design: ${DESIGN}
stations:
  - {name: server, servers: 1, service: 10ms}
flows:
  - {name: jobs, rate: 80/s, route: [{station: server}]}
`
	bad := map[string]string{"DESIGN": "80, points: 2, max: 81"}
	for _, text := range []string{flowText, blockText} {
		_, err := Load("i.yaml", []byte(text), env(bad))
		line, col := posOf(t, text, "${DESIGN}", 0)
		wantAt(t, err, "variable DESIGN: its value is not a single scalar", line, col)
	}
	for name, v := range map[string]string{
		"list": "[80, 81]", "mapping": "{a: 1}", "comment": "80 # x", "alias": "*a", "tag": "!!str 80",
		"key": "80: 1", "sequence item": "- 80", "flow end": "80}", "anchor": "&a 80",
	} {
		_, err := Load("i.yaml", []byte(flowText), env(map[string]string{"DESIGN": v}))
		line, col := posOf(t, flowText, "${DESIGN}", 0)
		t.Run(name, func(t *testing.T) { wantAt(t, err, "variable DESIGN: its value is not a single scalar", line, col) })
	}
	// scalar values, in every context, still work
	for _, v := range []string{"80", "1.0e4", "-5", "8000"} {
		s, err := Load("i.yaml", []byte(flowText), env(map[string]string{"DESIGN": v}))
		if err != nil && (v != "-5" || strings.Contains(err.Error(), "not a single scalar")) {
			t.Errorf("DESIGN=%s: %v", v, err)
		}
		if v == "80" {
			lit, err2 := Load("l.yaml", []byte(strings.Replace(flowText, "${DESIGN}", "80", 1)), env(nil))
			if err != nil || err2 != nil || s.Load != lit.Load {
				t.Errorf("DESIGN=80: %+v, written: %+v", s.Load, lit.Load)
			}
		}
	}
	// in quotes a value is text: quotes and backslashes in it cannot end the string
	const quoted = `name: "${N}"
title: '${T}'
stations:
  - {name: server, servers: 1, service: 10ms}
flows:
  - {name: jobs, rate: 80/s, route: [{station: server}]}
`
	s, err := Load("q.yaml", []byte(quoted), env(map[string]string{"N": `a", "title": "b \`, "T": `it's', x: 'y`}))
	if err != nil {
		t.Fatalf("%v", verbose(err))
	}
	if s.Name != `a", "title": "b \` || s.Title != `it's', x: 'y` {
		t.Errorf("name %q title %q", s.Name, s.Title)
	}
	// a URL is one plain scalar
	s, err = Load("u.yaml", []byte("name: ${U}\nstations: [{name: s, servers: 1, service: 1ms}]\nflows: [{name: f, rate: 1/s, route: [{station: s}]}]\n"),
		env(map[string]string{"U": "http://127.0.0.1:8080/x?a=b#frag"}))
	if err != nil || s.Name != "http://127.0.0.1:8080/x?a=b#frag" {
		t.Errorf("URL: %q %v", s.Name, err)
	}
}
