// Package k6operator writes the Kubernetes manifests that run a capsim k6 script on the
// k6-operator (github.com/grafana/k6-operator) with its runners streaming to one `capsim collect`:
//
//	ConfigMap  NAME-script     script.js (the k6 script) and collect.json (the collector's config)
//	TestRun    NAME            k6.io/v1alpha1: parallelism N, script from the ConfigMap, the runner
//	                           image with the capsim extension, --out capsim=http://SERVICE:PORT
//	Deployment capsim-collect  one `capsim collect` pod, results in an emptyDir at /results
//	Service    capsim-collect  the collector's address for the runners
//
// The TestRun uses only fields of the k6-operator TestRun CRD (config/crd/bases/k6.io_testruns.yaml,
// k6-operator v1.3.0 and later: initializer.disabled appeared there). The initializer is disabled:
// it runs `sh -c`, and the runner image is FROM scratch (a static k6, no shell). Nothing here
// talks to a cluster; the manifests are written for `kubectl apply -f`.
package k6operator

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// Defaults of Options.
const (
	DefaultRunnerImage    = "capsim-k6:latest"
	DefaultCollectorImage = "capsim:latest"
	DefaultCollectorName  = "capsim-collect"
	DefaultCollectorPort  = 7070
	// ScriptKey and ConfigKey are the ConfigMap keys of the k6 script and the collector config.
	ScriptKey = "script.js"
	ConfigKey = "collect.json"
	// ResultsDir is where the collector pod writes result.json and load.json (an emptyDir).
	ResultsDir = "/results"
	configDir  = "/config"
)

// RunnerEnv is the environment every k6 run needs (set on every runner).
var RunnerEnv = []EnvVar{
	{Name: "K6_NO_USAGE_REPORT", Value: "true"},
	{Name: "K6_AUTO_EXTENSION_RESOLUTION", Value: "false"},
}

// Options describe one distributed test.
type Options struct {
	// Name of the TestRun (a DNS-1123 label; see Name), prefix of the ConfigMap.
	Name      string
	Namespace string // "" = the namespace kubectl applies to
	// Parallelism is the number of k6 runners (each gets an execution segment from the operator).
	Parallelism int
	// Script is the k6 script; CollectorConfig the JSON the collector reads (--config).
	Script          []byte
	CollectorConfig []byte
	RunnerImage     string
	CollectorImage  string
	CollectorName   string // Service and Deployment name
	CollectorPort   int
}

// Manifests are the objects of one distributed test, in apply order.
type Manifests struct {
	ConfigMap  ConfigMap
	Service    Service
	Deployment Deployment
	TestRun    TestRun
}

// ObjectMeta is the part of Kubernetes' metadata these manifests set.
type ObjectMeta struct {
	Name      string            `yaml:"name,omitempty"` // empty only in a pod template
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

// TestRun is k6-operator's k6.io/v1alpha1 TestRun, with the fields capsim sets.
type TestRun struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   ObjectMeta  `yaml:"metadata"`
	Spec       TestRunSpec `yaml:"spec"`
}

// TestRunSpec is the TestRun's spec (CRD: parallelism and script are required).
type TestRunSpec struct {
	Parallelism int32  `yaml:"parallelism"`
	Script      Script `yaml:"script"`
	// Arguments are added to `k6 run` (split on spaces by the operator).
	Arguments   string `yaml:"arguments,omitempty"`
	Initializer *Pod   `yaml:"initializer,omitempty"`
	Runner      Pod    `yaml:"runner"`
}

// Script says where the runners find the script: a ConfigMap key, mounted at /test.
type Script struct {
	ConfigMap ConfigMapRef `yaml:"configMap"`
}

// ConfigMapRef names a ConfigMap and the key holding the script.
type ConfigMapRef struct {
	Name string `yaml:"name"`
	File string `yaml:"file,omitempty"`
}

// Pod is the operator's pod template for runners and the initializer.
type Pod struct {
	Disabled        bool         `yaml:"disabled,omitempty"`
	Image           string       `yaml:"image,omitempty"`
	ImagePullPolicy string       `yaml:"imagePullPolicy,omitempty"`
	Env             []EnvVar     `yaml:"env,omitempty"`
	Metadata        *PodMetadata `yaml:"metadata,omitempty"`
}

// PodMetadata holds labels added to the operator's pods.
type PodMetadata struct {
	Labels map[string]string `yaml:"labels,omitempty"`
}

// EnvVar is a container environment variable.
type EnvVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// ConfigMap (v1).
type ConfigMap struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   ObjectMeta        `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

// Service (v1) in front of the collector.
type Service struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   ObjectMeta  `yaml:"metadata"`
	Spec       ServiceSpec `yaml:"spec"`
}

// ServiceSpec selects the collector pod.
type ServiceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []ServicePort     `yaml:"ports"`
}

// ServicePort maps the Service port to the container port.
type ServicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort int    `yaml:"targetPort"`
}

// Deployment (apps/v1) of the collector.
type Deployment struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   ObjectMeta     `yaml:"metadata"`
	Spec       DeploymentSpec `yaml:"spec"`
}

// DeploymentSpec runs one collector.
type DeploymentSpec struct {
	Replicas int             `yaml:"replicas"`
	Selector LabelSelector   `yaml:"selector"`
	Template PodTemplateSpec `yaml:"template"`
}

// LabelSelector matches labels.
type LabelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// PodTemplateSpec is a pod template.
type PodTemplateSpec struct {
	Metadata ObjectMeta `yaml:"metadata"`
	Spec     PodSpec    `yaml:"spec"`
}

// PodSpec is the part of a pod spec the collector needs.
type PodSpec struct {
	Containers []Container `yaml:"containers"`
	Volumes    []Volume    `yaml:"volumes"`
}

// Container is one container.
type Container struct {
	Name            string          `yaml:"name"`
	Image           string          `yaml:"image"`
	ImagePullPolicy string          `yaml:"imagePullPolicy,omitempty"`
	Args            []string        `yaml:"args"`
	Ports           []ContainerPort `yaml:"ports"`
	VolumeMounts    []VolumeMount   `yaml:"volumeMounts"`
	ReadinessProbe  *Probe          `yaml:"readinessProbe,omitempty"`
}

// ContainerPort is a port the container listens on.
type ContainerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
}

// VolumeMount mounts a volume.
type VolumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

// Volume is an emptyDir or a ConfigMap volume.
type Volume struct {
	Name      string           `yaml:"name"`
	EmptyDir  *struct{}        `yaml:"emptyDir,omitempty"`
	ConfigMap *ConfigMapVolume `yaml:"configMap,omitempty"`
}

// ConfigMapVolume mounts a ConfigMap's keys as files.
type ConfigMapVolume struct {
	Name string `yaml:"name"`
}

// Probe is an HTTP GET probe.
type Probe struct {
	HTTPGet HTTPGetAction `yaml:"httpGet"`
}

// HTTPGetAction is the probe's request.
type HTTPGetAction struct {
	Path string `yaml:"path"`
	Port int    `yaml:"port"`
}

// Name turns s into a DNS-1123 label of at most 40 bytes (room for "-script" and the
// operator's "-initializer"/"-N" suffixes): lower case, runs of other characters become "-".
func Name(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
	}
	if out == "" {
		out = "capsim"
	}
	return out
}

// CollectorURL is the address the runners stream to: http://NAME:PORT.
func (o Options) CollectorURL() string {
	o = o.withDefaults()
	return "http://" + o.CollectorName + ":" + strconv.Itoa(o.CollectorPort)
}

func (o Options) withDefaults() Options {
	if o.RunnerImage == "" {
		o.RunnerImage = DefaultRunnerImage
	}
	if o.CollectorImage == "" {
		o.CollectorImage = DefaultCollectorImage
	}
	if o.CollectorName == "" {
		o.CollectorName = DefaultCollectorName
	}
	if o.CollectorPort == 0 {
		o.CollectorPort = DefaultCollectorPort
	}
	return o
}

// Validate returns every problem of o.
func (o Options) Validate() error {
	var errs []error
	if o.Name == "" || Name(o.Name) != o.Name {
		errs = append(errs, fmt.Errorf("k6operator: name %q is not a DNS-1123 label of at most 40 bytes (use Name)", o.Name))
	}
	if o.Parallelism < 1 || o.Parallelism > 10_000 {
		errs = append(errs, fmt.Errorf("k6operator: parallelism %d: want 1 … 10000", o.Parallelism))
	}
	if len(o.Script) == 0 {
		errs = append(errs, errors.New("k6operator: no script"))
	}
	if o.CollectorPort < 0 || o.CollectorPort > 65535 {
		errs = append(errs, fmt.Errorf("k6operator: collector port %d", o.CollectorPort))
	}
	return errors.Join(errs...)
}

// Build returns the manifests for o.
func Build(o Options) (*Manifests, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	labels := func(extra ...string) map[string]string {
		m := map[string]string{"app.kubernetes.io/part-of": "capsim", "capsim.io/test": o.Name}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	meta := func(name string, l map[string]string) ObjectMeta {
		return ObjectMeta{Name: name, Namespace: o.Namespace, Labels: l}
	}
	cmName := o.Name + "-script"
	data := map[string]string{ScriptKey: string(o.Script)}
	if len(o.CollectorConfig) > 0 {
		data[ConfigKey] = string(o.CollectorConfig)
	}
	sel := map[string]string{"app.kubernetes.io/name": o.CollectorName, "capsim.io/test": o.Name}
	args := []string{"collect", "--listen", "0.0.0.0:" + strconv.Itoa(o.CollectorPort), "--out", ResultsDir, "--linger"}
	if len(o.CollectorConfig) > 0 {
		args = append(args, "--config", configDir+"/"+ConfigKey)
	}
	m := &Manifests{
		ConfigMap: ConfigMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: meta(cmName, labels()), Data: data},
		Service: Service{APIVersion: "v1", Kind: "Service", Metadata: meta(o.CollectorName, labels()),
			Spec: ServiceSpec{Selector: sel, Ports: []ServicePort{{Name: "http", Port: o.CollectorPort, TargetPort: o.CollectorPort}}}},
		Deployment: Deployment{APIVersion: "apps/v1", Kind: "Deployment", Metadata: meta(o.CollectorName, labels()),
			Spec: DeploymentSpec{Replicas: 1, Selector: LabelSelector{MatchLabels: sel},
				Template: PodTemplateSpec{Metadata: ObjectMeta{Labels: labels("app.kubernetes.io/name", o.CollectorName)},
					Spec: PodSpec{
						Containers: []Container{{
							Name: "collect", Image: o.CollectorImage, ImagePullPolicy: "IfNotPresent", Args: args,
							Ports: []ContainerPort{{Name: "http", ContainerPort: o.CollectorPort}},
							VolumeMounts: []VolumeMount{{Name: "results", MountPath: ResultsDir},
								{Name: "config", MountPath: configDir, ReadOnly: true}},
							ReadinessProbe: &Probe{HTTPGet: HTTPGetAction{Path: "/v1/status", Port: o.CollectorPort}},
						}},
						Volumes: []Volume{{Name: "results", EmptyDir: &struct{}{}},
							{Name: "config", ConfigMap: &ConfigMapVolume{Name: cmName}}},
					}}}},
		TestRun: TestRun{APIVersion: "k6.io/v1alpha1", Kind: "TestRun", Metadata: meta(o.Name, labels()),
			Spec: TestRunSpec{
				Parallelism: int32(o.Parallelism),
				Script:      Script{ConfigMap: ConfigMapRef{Name: cmName, File: ScriptKey}},
				Arguments:   "--out capsim=" + o.CollectorURL(),
				Initializer: &Pod{Disabled: true},
				Runner: Pod{Image: o.RunnerImage, ImagePullPolicy: "IfNotPresent", Env: RunnerEnv,
					Metadata: &PodMetadata{Labels: labels()}},
			}},
	}
	return m, nil
}

// YAML marshals the manifests as one multi-document file, in apply order.
func (m *Manifests) YAML() ([]byte, error) {
	var b bytes.Buffer
	for i, doc := range []any{m.ConfigMap, m.Service, m.Deployment, m.TestRun} {
		y, err := yaml.MarshalWithOptions(doc, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
		if err != nil {
			return nil, fmt.Errorf("k6operator: %w", err)
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}

// Dockerfile returns a Dockerfile for an image FROM scratch holding one static binary, built
// with the folder holding the binary as context (`docker build -f DOCKERFILE bin/`).
// k6-operator starts runners with `k6 run …` (looked up in PATH), so the k6 image puts k6 in
// /usr/bin; the collector Deployment gives only arguments, so ENTRYPOINT runs /usr/bin/capsim.
func Dockerfile(binary string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Built by capsim: a static %s on an empty base image (no shell, no libc).\n", binary)
	switch binary {
	case "k6":
		b.WriteString("# Binary: cd cmd/k6 && CGO_ENABLED=0 go build -o ../../bin/k6 .\n")
	default:
		fmt.Fprintf(&b, "# Binary: CGO_ENABLED=0 go build -o bin/%s ./cmd/%s\n", binary, binary)
	}
	b.WriteString("FROM scratch\n")
	fmt.Fprintf(&b, "COPY %s /usr/bin/%s\n", binary, binary)
	b.WriteString("ENV PATH=/usr/bin HOME=/tmp\n")
	b.WriteString("USER 65534:65534\n")
	fmt.Fprintf(&b, "ENTRYPOINT [\"/usr/bin/%s\"]\n", binary)
	return []byte(b.String())
}
