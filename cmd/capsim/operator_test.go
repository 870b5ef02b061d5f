package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/k6operator"
)

// `capsim load --k6 --operator 4` writes manifests whose ConfigMap holds the script and the
// collector config the TestRun and the collector read (the TestRun's fields are checked against
// the CRD in loadgen/k6ext/k6operator).
func TestLoadOperatorManifests(t *testing.T) {
	dir := t.TempDir()
	if code := runLoadArgs("load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "4", "--out", dir, "--quiet"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	y, err := os.ReadFile(filepath.Join(dir, "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var cm struct {
		Metadata struct{ Name string }
		Data     map[string]string
	}
	var tr struct {
		Spec struct {
			Parallelism int
			Arguments   string
			Script      struct {
				ConfigMap struct{ Name, File string } `yaml:"configMap"`
			}
		}
	}
	for _, doc := range regexp.MustCompile(`(?m)^---\n`).Split(string(y), -1) {
		var k struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k.Kind)
		switch k.Kind {
		case "ConfigMap":
			_ = yaml.Unmarshal([]byte(doc), &cm)
		case "TestRun":
			_ = yaml.Unmarshal([]byte(doc), &tr)
		}
	}
	if strings.Join(kinds, ",") != "ConfigMap,Service,Deployment,TestRun" {
		t.Errorf("kinds %v", kinds)
	}
	js, _ := os.ReadFile(filepath.Join(dir, k6operator.ScriptKey))
	if tr.Spec.Parallelism != 4 || tr.Spec.Script.ConfigMap.Name != cm.Metadata.Name || cm.Data[tr.Spec.Script.ConfigMap.File] != string(js) ||
		tr.Spec.Arguments != "--out capsim=http://capsim-collect:7070" {
		t.Errorf("TestRun %+v, ConfigMap %s", tr.Spec, cm.Metadata.Name)
	}
	if strings.Contains(string(js), "thresholds") || !strings.Contains(string(js), "constant-arrival-rate") {
		t.Errorf("script: thresholds belong to the collector, the executor to the script:\n%s", js)
	}
	cfg, err := collect.ReadConfig([]byte(cm.Data[k6operator.ConfigKey]))
	if err != nil || cfg.Runners != 4 || len(cfg.Thresholds) != 4 || cfg.Scenario != "mm4-loopback" {
		t.Errorf("collect.json: %+v %v", cfg, err)
	}
	for _, f := range []string{"Dockerfile.k6", "Dockerfile.capsim", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A non-loopback target needs --allow-host; --operator needs --k6.
	for _, args := range [][]string{
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--target", "http://api.prod:80", "--out", dir},
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--operator", "2", "--out", dir},
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--segment", "1/2", "--out", dir},
	} {
		if code := runLoadArgs(append(args, "--quiet")...); code != ExitInvalid {
			t.Errorf("%v: exit %d, want %d", args, code, ExitInvalid)
		}
	}
	if code := runLoadArgs("load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--target", "http://api.prod:80",
		"--allow-host", "api.prod", "--out", dir, "--quiet"); code != ExitOK {
		t.Errorf("allowed cluster target: exit %d", code)
	}
}
