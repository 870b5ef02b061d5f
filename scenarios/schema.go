package scenarios

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// JSONSchema returns the JSON Schema (draft 2020-12) of the scenario format, reflected from the
// Go types with github.com/invopop/jsonschema, for editors (yaml-language-server:
// "# yaml-language-server: $schema=capsim.schema.json"). Unknown keys are refused
// (additionalProperties: false), as Load does. It checks shapes only; references and ranges
// are Load's job. Since a file may be one part of a composed scenario (a system file without
// name or flows, a tier that adds placement to its services), the schema requires no key:
// completeness is checked by Load on the composed scenario.
func JSONSchema() ([]byte, error) {
	r := &jsonschema.Reflector{}
	s := r.Reflect(&Scenario{})
	for _, d := range s.Definitions {
		d.Required = nil
	}
	if sc := s.Definitions["Scenario"]; sc != nil && sc.Properties != nil {
		sc.Properties.Set("extends", &jsonschema.Schema{Type: "string",
			Description: "a scenario file this one builds on (relative to this file): its sections are merged under this file's (see scenarios/compose.go)"})
		sc.Properties.Set("include", &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "string"},
			Description: "files whose sections are merged into this one (relative to this file): a system file with services and costs, a calibration profile"})
	}
	s.ID = "https://github.com/capsim/capsim/scenario.schema.json"
	s.Title = "capsim scenario"
	s.Description = "A capsim tier or textbook model: see scenarios/doc.go."
	return json.MarshalIndent(s, "", "  ")
}

// JSONSchema describes a Duration: a string with a unit ("250ms", "1.5s", "2m", "3d").
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     `^\s*[0-9.]+\s*(ns|us|µs|ms|s|m|h|d|([0-9.]*(ns|us|µs|ms|s|m|h))+)\s*$|^0$`,
		Description: `a duration with its unit: "250ms", "1.5s", "2m", "100us", "1d"`,
		Examples:    []any{"250ms", "1.5s", "2m"},
	}
}

// JSONSchema describes a Size: bytes as a number, or a string with an SI or IEC unit.
func (Size) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "number", Minimum: "0"},
			{Type: "string", Pattern: `^\s*[0-9.]+(e[+-]?[0-9]+)?\s*(B|kB|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)?\s*$`},
		},
		Description: `a size: "500B", "64GiB", "2TB" (kB…PB powers of 1000, KiB…PiB powers of 1024); a bare number is bytes`,
	}
}

// JSONSchema describes a Rate: per second as a number, or a string with a time unit.
func (Rate) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "number", Minimum: "0"},
			{Type: "string", Pattern: `^\s*[0-9.]+(e[+-]?[0-9]+)?\s*(/\s*(s|sec|second|ms|min|m|minute|h|hour|d|day))?\s*$`},
		},
		Description: `a rate: "80/s", "1200/min", "5/h"; a bare number is per second`,
	}
}

// JSONSchema describes a Dist: a duration (exponential with that mean) or a mapping.
func (Dist) JSONSchema() *jsonschema.Schema {
	dur := Duration(0).JSONSchema
	props := jsonschema.NewProperties()
	props.Set("dist", &jsonschema.Schema{Type: "string", Enum: []any{Exponential, Deterministic, Lognormal, Gamma, Uniform, Empirical}, Default: Exponential})
	props.Set("mean", dur())
	props.Set("p95", dur())
	props.Set("cv", &jsonschema.Schema{Type: "number", ExclusiveMinimum: "0"})
	props.Set("min", dur())
	props.Set("max", dur())
	props.Set("samples", &jsonschema.Schema{Type: "array", Items: dur()})
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			dur(),
			{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema},
		},
		Description: "a distribution: a duration (exponential with that mean) or {dist: exponential|deterministic|lognormal|gamma|uniform|empirical, mean, p95 or cv, min, max, samples}",
	}
}
