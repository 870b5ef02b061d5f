// Command k6 is k6 with capsim's extensions compiled in, built the way xk6 builds a custom k6:
// a main package that calls go.k6.io/k6/cmd.Execute and blank-imports the extensions.
//
//	go build -o bin/k6 ./cmd/k6   (task k6)
//	bin/k6 version                 lists k6/x/capsim (JS) and capsim (output)
//
// Set K6_NO_USAGE_REPORT=true and K6_AUTO_EXTENSION_RESOLUTION=false for every run.
package main

import (
	k6cmd "go.k6.io/k6/cmd"

	_ "github.com/capsim/capsim/loadgen/k6ext" // k6/x/capsim and --out capsim=FILE
)

func main() {
	k6cmd.Execute()
}
