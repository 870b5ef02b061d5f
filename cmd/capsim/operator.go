package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/k6operator"
	"github.com/capsim/capsim/loadgen/k6ext/k6script"
	"github.com/capsim/capsim/scenarios"
)

// writeOperator writes the k6-operator manifests of `capsim load --k6 --operator N`: the k6
// script (thresholds left to the collector), the collector's config, the manifests, the two
// Dockerfiles and a README with the commands. Nothing is sent anywhere.
func writeOperator(cmd *cobra.Command, sc *scenarios.Scenario, plan *loadgen.Plan, f *loadFlags) error {
	if f.operator < 1 || f.operator > 10_000 {
		return invalid(fmt.Errorf("--operator %d: want 1 … 10000 runners", f.operator))
	}
	if err := checkClusterTarget(plan.Target, f.allow); err != nil {
		return invalid(err)
	}
	noTh := *plan
	noTh.Thresholds = nil
	js, err := k6script.ScriptWith(&noTh, *sc.LoadTest, k6script.ScriptOptions{Allow: f.allow, NoThresholds: true})
	if err != nil {
		return invalid(err)
	}
	cfg := collect.ConfigFromPlan(plan)
	cfg.Runners = f.operator
	var cb bytes.Buffer
	enc := json.NewEncoder(&cb)
	enc.SetEscapeHTML(false) // thresholds keep their "<"
	enc.SetIndent("", "  ")
	if err := enc.Encode(cfg); err != nil {
		return err
	}
	cfgJSON := cb.Bytes()
	o := k6operator.Options{Name: k6operator.Name(sc.Name), Namespace: f.ns, Parallelism: f.operator, Script: js,
		CollectorConfig: cfgJSON, RunnerImage: f.runnerImage, CollectorImage: f.collectorImage, CollectorPort: f.collectorPort}
	m, err := k6operator.Build(o)
	if err != nil {
		return invalid(err)
	}
	y, err := m.YAML()
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join("out", sanitizeName(sc.Name)+"-operator")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return invalid(err)
	}
	runnerImage, collectorImage := orDefault(f.runnerImage, k6operator.DefaultRunnerImage), orDefault(f.collectorImage, k6operator.DefaultCollectorImage)
	files := []struct {
		name string
		data []byte
	}{
		{"manifests.yaml", y},
		{k6operator.ScriptKey, js},
		{k6operator.ConfigKey, cfgJSON},
		{"Dockerfile.k6", k6operator.Dockerfile("k6")},
		{"Dockerfile.capsim", k6operator.Dockerfile("capsim")},
		{"README.md", operatorReadme(o, out, runnerImage, collectorImage)},
	}
	for _, fl := range files {
		if err := writeFile(filepath.Join(out, fl.name), func(w io.Writer) error { _, err := w.Write(fl.data); return err }); err != nil {
			return err
		}
	}
	if !f.quiet {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "capsim load: k6-operator TestRun %q, %d runners streaming to %s (%s)\n", o.Name, f.operator, o.CollectorURL(), plan.Describe)
		for _, fl := range files {
			fmt.Fprintf(w, "  wrote %s\n", filepath.Join(out, fl.name))
		}
		fmt.Fprintf(w, "  build the images and apply: see %s\n", filepath.Join(out, "README.md"))
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// checkClusterTarget applies the --allow-host rule to a target the runners reach inside the
// cluster: its host must be loopback or named (as host, IP or containing CIDR) by --allow-host.
// Nothing is resolved here: host names are resolved by the runners, inside the cluster.
func checkClusterTarget(target string, allow []string) error {
	host := target
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return fmt.Errorf("target %q: %w", target, err)
		}
		host = u.Hostname()
	} else if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	if host == "" {
		return fmt.Errorf("target %q has no host", target)
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if ip.IsLoopback() {
			return nil
		}
		for _, a := range allow {
			if p, err := netip.ParsePrefix(a); err == nil && p.Contains(ip.Unmap()) {
				return nil
			}
		}
	}
	if host == "localhost" || slices.Contains(allow, host) {
		return nil
	}
	return errors.New("target " + target + " is not loopback: name its host with --allow-host (the runners' Fleet gets it as `allow`)")
}

func operatorReadme(o k6operator.Options, out, runnerImage, collectorImage string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `# k6-operator TestRun %[1]q: %[2]d runners, merged by capsim collect

Written by `+"`capsim load --k6 --operator %[2]d`"+`. Files:

- `+"`manifests.yaml`"+`: ConfigMap %[1]s-script (script.js, collect.json), Service and Deployment
  %[3]s (capsim collect on port %[4]d), TestRun %[1]s (k6.io/v1alpha1, parallelism %[2]d, runners
  run `+"`k6 run --out capsim=%[5]s`"+`, K6_NO_USAGE_REPORT=true, K6_AUTO_EXTENSION_RESOLUTION=false).
- `+"`script.js`"+`: the k6 script, without thresholds: capsim collect evaluates them on the
  merged data of all runners (k6 would evaluate them per runner).
- `+"`collect.json`"+`: the collector's thresholds, the number of runners to wait for, the plan.
- `+"`Dockerfile.k6`, `Dockerfile.capsim`"+`: images FROM scratch holding one static binary.

The TestRun needs the k6-operator installed (its CRD with `+"`spec.initializer.disabled`"+`,
k6-operator v1.3.0 or later). The initializer is disabled because it runs `+"`sh -c`"+` and the
runner image has no shell.

## Build the images (from the repository root)

`+"```sh"+`
(cd cmd/k6 && CGO_ENABLED=0 go build -o ../../bin/k6 .)
CGO_ENABLED=0 go build -o bin/capsim ./cmd/capsim
docker build -t %[6]s -f %[8]s/Dockerfile.k6 bin
docker build -t %[7]s -f %[8]s/Dockerfile.capsim bin
# make them available to the cluster, e.g. kind load docker-image %[6]s %[7]s,
# or tag and push them to your registry and pass --runner-image/--collector-image.
`+"```"+`

## Run

`+"```sh"+`
kubectl apply -f %[8]s/manifests.yaml
kubectl logs -f deploy/%[3]s          # runners joining, lost runners, abortOnFail stops
kubectl get testrun %[1]s -w          # stage: … started … finished
`+"```"+`

When every runner has finished, the collector writes /results/result.json and /results/load.json
and keeps running (--linger), serving them over HTTP (the image has no shell or tar for
`+"`kubectl cp`"+`). Fetch them, then delete everything:

`+"```sh"+`
kubectl port-forward svc/%[3]s %[4]d:%[4]d &
curl -s localhost:%[4]d/v1/status                       # runners, merged counts, thresholds so far
curl -so result.json localhost:%[4]d/v1/results/result.json
curl -so load.json   localhost:%[4]d/v1/results/load.json
kubectl delete -f %[8]s/manifests.yaml
`+"```"+`

The collector's exit code is its verdict (99: a threshold failed on the merged data); in a
Deployment read it from the logs ("✗" lines) or /v1/status.
`, o.Name, o.Parallelism, orDefault(o.CollectorName, k6operator.DefaultCollectorName), orDefaultInt(o.CollectorPort, k6operator.DefaultCollectorPort),
		o.CollectorURL(), runnerImage, collectorImage, out)
	return []byte(b.String())
}

func orDefaultInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
