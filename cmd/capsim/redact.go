package main

import (
	"encoding/json"
	"html/template"
	"strings"
	"sync"

	"github.com/capsim/capsim/scenarios"
)

// noRedact is capsim --no-redact: show the values that came from ${VAR}.
var noRedact bool

func init() {
	rootCmd.PersistentFlags().BoolVar(&noRedact, "no-redact", false, "show the values that came from ${VAR} in outputs and messages (by default every value that is not a number or quantity is shown as ${NAME})")
}

// redaction hides secret ${VAR} values (scenarios.Var.Secret) in everything capsim writes:
// files (writeFile), the terminal (termWriter) and error messages (run). Each scenario loaded
// adds its secrets; run clears them when the command ends.
var redaction struct {
	sync.Mutex
	r     *strings.Replacer
	pairs []string
}

// loadScenario is scenarios.LoadFile with the command's redaction: its error messages hide
// secret values unless --no-redact, and the scenario's secrets are hidden in every output.
func loadScenario(arg string, opts ...scenarios.Option) (*scenarios.Scenario, error) {
	s, err := scenarios.LoadFile(arg, append(opts, scenarios.WithRedact(!noRedact))...)
	if err == nil && !noRedact {
		addSecrets(s.Secrets())
	}
	return s, err
}

// addSecrets hides each value in the forms it takes in outputs: as written, JSON-escaped (with
// and without HTML escaping) and HTML-escaped.
func addSecrets(vs []scenarios.Var) {
	if len(vs) == 0 {
		return
	}
	redaction.Lock()
	defer redaction.Unlock()
	for _, v := range vs {
		forms := map[string]bool{v.Value: true, template.HTMLEscapeString(v.Value): true}
		for _, html := range []bool{true, false} {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			if enc.Encode(v.Value) == nil {
				forms[strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(b.String(), `"`), "\n"), `"`)] = true
			}
		}
		for f := range forms {
			redaction.pairs = append(redaction.pairs, f, v.Placeholder())
		}
	}
	redaction.r = strings.NewReplacer(redaction.pairs...)
}

// redact hides the secrets known so far in s.
func redact(s string) string {
	redaction.Lock()
	r := redaction.r
	redaction.Unlock()
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// resetRedaction forgets the secrets and --no-redact (at the end of a command; tests run many
// commands in one process).
func resetRedaction() {
	redaction.Lock()
	redaction.r, redaction.pairs = nil, nil
	redaction.Unlock()
	noRedact = false
}
