package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// SHA256 is the hex SHA-256 of the scenario's resolved content: its JSON encoding (fields in
// declaration order, map keys sorted) after composition (include, extends), defaults and
// overrides (--set), leaving out where the content was read from (the file of each
// assumption, the files composed). The same model has the same hash whether it is written in
// one file or composed of several, and wherever the files are; any change of a value, an
// override included, changes it. Results record it (settings.scenario_sha256).
func (s *Scenario) SHA256() string {
	c := *s
	c.Assumptions = make([]Assumption, len(s.Assumptions))
	for i, a := range s.Assumptions {
		a.File = ""
		c.Assumptions[i] = a
	}
	b, err := json.Marshal(&c)
	if err != nil {
		panic("scenarios: a scenario that does not encode as JSON: " + err.Error()) // every field type encodes
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
