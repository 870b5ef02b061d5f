package scenarios

import (
	"strconv"
	"strings"
)

// Var is a variable whose value a ${NAME} reference took from the environment (a default
// written in the file is not one).
type Var struct {
	Name, Value string
}

// Secret reports whether outputs hide the variable's value (unless the user asks not to:
// capsim --no-redact): every value except a number, a boolean or a quantity (a duration,
// size or rate), which are the model's inputs and results, and except values shorter than 3
// characters, which would hide every occurrence of a common string.
func (v Var) Secret() bool {
	s := strings.TrimSpace(v.Value)
	if len([]rune(s)) < 3 {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	if s == "true" || s == "false" {
		return false
	}
	if _, err := ParseDuration(s); err == nil {
		return false
	}
	if _, err := ParseSize(s); err == nil {
		return false
	}
	if _, err := ParseRate(s); err == nil {
		return false
	}
	return true
}

// Placeholder is what outputs show instead of a secret value: the reference as written.
func (v Var) Placeholder() string { return "${" + v.Name + "}" }

// Secrets are the scenario's variables whose values outputs hide (Var.Secret), longest value
// first (so a value that contains another is replaced whole).
func (s *Scenario) Secrets() []Var { return secrets(s.Vars) }

func secrets(vars []Var) []Var {
	var out []Var
	for _, v := range vars {
		if v.Secret() {
			out = append(out, v)
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort by value length, longest first; few items
		for j := i; j > 0 && len(out[j].Value) > len(out[j-1].Value); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Redact replaces every secret value in text by its placeholder.
func Redact(text string, secrets []Var) string {
	for _, v := range secrets {
		text = strings.ReplaceAll(text, v.Value, v.Placeholder())
	}
	return text
}
