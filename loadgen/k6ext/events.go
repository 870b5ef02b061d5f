package k6ext

import (
	"fmt"
	"slices"
	"sort"

	"github.com/capsim/capsim/loadgen"
)

// kindMix turns the options' {kind: weight} object into loadgen's mix, sorted by kind so that
// the same options give the same event sequence. Empty means loadgen.DefaultKindMix.
func kindMix(kinds map[string]float64) ([]loadgen.KindWeight, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		if !slices.Contains(loadgen.EventKinds(), k) {
			return nil, fmt.Errorf("unknown event kind %q (known: %v)", k, loadgen.EventKinds())
		}
		names = append(names, k)
	}
	sort.Strings(names)
	mix := make([]loadgen.KindWeight, 0, len(names))
	for _, k := range names {
		if !(kinds[k] > 0) {
			return nil, fmt.Errorf("kind %q: weight %v must be > 0", k, kinds[k])
		}
		mix = append(mix, loadgen.KindWeight{Kind: k, Weight: kinds[k]})
	}
	return mix, nil
}

// eventKind returns k if it is an event kind loadgen can render, else "" (the fleet's mix):
// traces may carry API request classes, which an agent fleet does not send.
func eventKind(k string) string {
	if slices.Contains(loadgen.EventKinds(), k) {
		return k
	}
	return ""
}
