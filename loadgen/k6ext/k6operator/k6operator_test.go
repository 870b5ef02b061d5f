package k6operator

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// crdField is one field of the k6-operator TestRun CRD that capsim writes: its OpenAPI type and
// the properties the CRD marks required. Written by hand from grafana/k6-operator
// config/crd/bases/k6.io_testruns.yaml (v1alpha1; read at v1.3.0, v1.6.0 and main, where these
// fields are the same), not copied: only the fields capsim uses are listed, so a field the CRD
// does not define (or a typo) fails the test.
type crdField struct {
	typ      string // string, integer, boolean, object, array, map (object of strings)
	required []string
}

var testRunCRD = map[string]crdField{
	"":                                 {"object", nil},
	"apiVersion":                       {"string", nil},
	"kind":                             {"string", nil},
	"metadata":                         {"object", nil}, // ObjectMeta (not expanded by the CRD)
	"metadata.name":                    {"string", nil},
	"metadata.namespace":               {"string", nil},
	"metadata.labels":                  {"map", nil},
	"spec":                             {"object", []string{"parallelism", "script"}},
	"spec.parallelism":                 {"integer", nil}, // format int32
	"spec.arguments":                   {"string", nil},
	"spec.script":                      {"object", nil},
	"spec.script.configMap":            {"object", []string{"name"}},
	"spec.script.configMap.name":       {"string", nil},
	"spec.script.configMap.file":       {"string", nil},
	"spec.initializer":                 {"object", nil},
	"spec.initializer.disabled":        {"boolean", nil},
	"spec.runner":                      {"object", nil},
	"spec.runner.image":                {"string", nil},
	"spec.runner.imagePullPolicy":      {"string", nil},
	"spec.runner.env":                  {"array", nil},
	"spec.runner.env[]":                {"object", []string{"name"}},
	"spec.runner.env[].name":           {"string", nil},
	"spec.runner.env[].value":          {"string", nil},
	"spec.runner.metadata":             {"object", nil},
	"spec.runner.metadata.labels":      {"map", nil},
	"spec.runner.metadata.annotations": {"map", nil},
}

// checkCRD walks a decoded TestRun and reports every field not in testRunCRD, of the wrong
// type, or missing though required.
func checkCRD(path string, v any, errs *[]string) {
	f, ok := testRunCRD[path]
	if !ok {
		*errs = append(*errs, fmt.Sprintf("%s: not a field of the TestRun CRD", path))
		return
	}
	typeOf := func(v any) string {
		switch v.(type) {
		case string:
			return "string"
		case bool:
			return "boolean"
		case int, int64, uint64:
			return "integer"
		case []any:
			return "array"
		case map[string]any:
			return "object"
		}
		return fmt.Sprintf("%T", v)
	}
	got := typeOf(v)
	switch f.typ {
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s, want an object of strings", path, got))
			return
		}
		for k, x := range m {
			if _, ok := x.(string); !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: %T, want string", path, k, x))
			}
		}
		return
	case got:
	default:
		*errs = append(*errs, fmt.Sprintf("%s: %s, want %s", path, got, f.typ))
		return
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range f.required {
			if _, ok := x[r]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s: required field %q missing", path, r))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			checkCRD(join(k), x[k], errs)
		}
	case []any:
		for _, e := range x {
			checkCRD(path+"[]", e, errs)
		}
	}
}

func docs(t *testing.T, y []byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range regexp.MustCompile(`(?m)^---\n`).Split(string(y), -1) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("%v\n%s", err, d)
		}
		kind, _ := m["kind"].(string)
		if _, dup := out[kind]; dup {
			t.Fatalf("two %s documents", kind)
		}
		out[kind] = m
	}
	return out
}

func get(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestManifests(t *testing.T) {
	script := []byte("import http from 'k6/http';\n\nexport const options = {};\nexport default function () {\n  http.get('http://svc:8080/');\n}\n")
	o := Options{Name: Name("UTMStack medium!"), Parallelism: 4, Script: script, CollectorConfig: []byte(`{"runners":4}`)}
	m, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	y, err := m.YAML()
	if err != nil {
		t.Fatal(err)
	}
	d := docs(t, y)
	if len(d) != 4 {
		t.Fatalf("kinds %v, want ConfigMap, Service, Deployment, TestRun", slices.Sorted(func(yield func(string) bool) {
			for k := range d {
				if !yield(k) {
					return
				}
			}
		}))
	}
	tr := d["TestRun"]
	var errs []string
	checkCRD("", tr, &errs)
	for _, e := range errs {
		t.Error(e)
	}
	if tr["apiVersion"] != "k6.io/v1alpha1" || get(tr, "metadata.name") != "utmstack-medium" {
		t.Errorf("TestRun %v %v", tr["apiVersion"], get(tr, "metadata.name"))
	}
	if p, _ := get(tr, "spec.parallelism").(uint64); p != 4 {
		t.Errorf("parallelism %v (%T), want 4", get(tr, "spec.parallelism"), get(tr, "spec.parallelism"))
	}
	// The script: the ConfigMap the TestRun names holds it under the key it names, unchanged.
	cm := d["ConfigMap"]
	cmName, key := get(tr, "spec.script.configMap.name"), get(tr, "spec.script.configMap.file").(string)
	if get(cm, "metadata.name") != cmName {
		t.Errorf("TestRun reads ConfigMap %v, the manifest defines %v", cmName, get(cm, "metadata.name"))
	}
	data := cm["data"].(map[string]any)
	if data[key] != string(script) || data[ConfigKey] != `{"runners":4}` {
		t.Errorf("ConfigMap data %q", data)
	}
	// The runners: image, environment, output pointed at the collector Service.
	if get(tr, "spec.runner.image") != DefaultRunnerImage || get(tr, "spec.initializer.disabled") != true {
		t.Errorf("runner image %v, initializer %v", get(tr, "spec.runner.image"), get(tr, "spec.initializer"))
	}
	env := map[string]any{}
	for _, e := range get(tr, "spec.runner.env").([]any) {
		env[e.(map[string]any)["name"].(string)] = e.(map[string]any)["value"]
	}
	if env["K6_NO_USAGE_REPORT"] != "true" || env["K6_AUTO_EXTENSION_RESOLUTION"] != "false" {
		t.Errorf("runner env %v", env)
	}
	// k6-operator splits arguments on white space (TestRunSpec.Argv: strings.Fields).
	args := strings.Fields(get(tr, "spec.arguments").(string))
	svc, dep := d["Service"], d["Deployment"]
	port := get(svc, "spec.ports").([]any)[0].(map[string]any)
	want := fmt.Sprintf("capsim=http://%s:%d", get(svc, "metadata.name"), port["port"])
	if !slices.Equal(args, []string{"--out", want}) {
		t.Errorf("arguments %q, want --out %s", args, want)
	}
	// The collector: the Service selects the Deployment's pods, on the port the container opens.
	tmplLabels := get(dep, "spec.template.metadata.labels").(map[string]any)
	for k, v := range get(svc, "spec.selector").(map[string]any) {
		if tmplLabels[k] != v {
			t.Errorf("Service selector %s=%v does not match the pod labels %v", k, v, tmplLabels)
		}
	}
	for k, v := range get(dep, "spec.selector.matchLabels").(map[string]any) {
		if tmplLabels[k] != v {
			t.Errorf("Deployment selector %s=%v does not match the pod labels %v", k, v, tmplLabels)
		}
	}
	c := get(dep, "spec.template.spec.containers").([]any)[0].(map[string]any)
	cport := c["ports"].([]any)[0].(map[string]any)["containerPort"]
	if cport != port["targetPort"] || port["targetPort"] != port["port"] {
		t.Errorf("container port %v, service %v→%v", cport, port["port"], port["targetPort"])
	}
	cargs := fmt.Sprint(c["args"])
	for _, w := range []string{"collect", "--listen 0.0.0.0:7070", "--config /config/" + ConfigKey, "--out " + ResultsDir, "--linger"} {
		if !strings.Contains(cargs, w) {
			t.Errorf("collector args %s: no %q", cargs, w)
		}
	}
}

// A field the CRD does not define, a wrong type and a missing required field are caught.
func TestCheckCRDRejects(t *testing.T) {
	tr := map[string]any{"apiVersion": "k6.io/v1alpha1", "kind": "TestRun", "metadata": map[string]any{"name": "x"},
		"spec": map[string]any{"parallelism": "4", "script": map[string]any{"configMap": map[string]any{"file": "a.js"}},
			"runner": map[string]any{"imag": "k6"}}}
	var errs []string
	checkCRD("", tr, &errs)
	want := []string{
		`spec.parallelism: string, want integer`,
		`spec.runner.imag: not a field of the TestRun CRD`,
		`spec.script.configMap: required field "name" missing`,
	}
	sort.Strings(errs)
	if !slices.Equal(errs, want) {
		t.Errorf("got %q\nwant %q", errs, want)
	}
}

func TestNameAndValidate(t *testing.T) {
	for in, want := range map[string]string{"mm4-loopback": "mm4-loopback", "UTMStack / Medium": "utmstack-medium",
		"": "capsim", "--": "capsim", strings.Repeat("a", 50): strings.Repeat("a", 40)} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := Build(Options{Name: "Bad Name", Parallelism: 0}); err == nil || !strings.Contains(err.Error(), "parallelism") ||
		!strings.Contains(err.Error(), "DNS-1123") || !strings.Contains(err.Error(), "no script") {
		t.Errorf("Build: %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	d := string(Dockerfile("k6"))
	for _, w := range []string{"FROM scratch\n", "COPY k6 /usr/bin/k6\n", "ENV PATH=/usr/bin"} {
		if !strings.Contains(d, w) {
			t.Errorf("Dockerfile lacks %q:\n%s", w, d)
		}
	}
}
