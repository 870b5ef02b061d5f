package scenarios

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// builtinFS holds the scenario files compiled into the binary: "NAME.yaml" and "DIR/NAME.yaml"
// (both patterns match files that exist: the UTMStack tiers and the examples). An empty
// subfolder does not break the build. Builtins leaves testdata out, and systems/: the system
// files there are parts that tier files include, not scenarios of their own.
//
//go:embed *.yaml */*.yaml
var builtinFS embed.FS

// Builtins returns the sorted names of the built-in scenarios: "medium", "examples/mm1",
// "thingspanel/small" (file paths under scenarios/ without ".yaml").
func Builtins() []string {
	var out []string
	_ = fs.WalkDir(builtinFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != "." && (strings.Count(p, "/") >= 1 || d.Name() == "testdata" || d.Name() == systemsDir) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".yaml") {
			out = append(out, strings.TrimSuffix(p, ".yaml"))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// systemsDir is the folder of the built-in system files (included by tiers, not run alone).
const systemsDir = "systems"

// ErrNotFound is returned by Resolve when the argument is neither a file nor a built-in name.
// It wraps ErrInvalid (bad input).
var ErrNotFound = fmt.Errorf("scenarios: no such scenario (%w)", ErrInvalid)

// Resolve turns a CLI argument into a file name and its bytes: an existing path, or the name of
// a built-in scenario embedded in the binary ("medium", "examples/mm1", "thingspanel/small";
// "medium.yaml" and "scenarios/medium.yaml" are accepted too when no such file exists).
//
// Errors: ErrNotFound (wrapped, with the list of built-ins) when nothing matches; a file larger
// than MaxFileSize is rejected without reading all of it (wraps ErrInvalid); I/O errors as they
// are.
func Resolve(arg string) (name string, data []byte, err error) {
	name, data, _, err = resolve(arg)
	return name, data, err
}

// resolve is Resolve, and for a built-in the FS its includes are read from.
func resolve(arg string) (name string, data []byte, inc *includeFS, err error) {
	if arg == "" {
		return "", nil, nil, fmt.Errorf("%w: empty name", ErrNotFound)
	}
	if st, err := os.Stat(arg); err == nil {
		if st.IsDir() {
			return "", nil, nil, fmt.Errorf("%s is a directory, not a scenario file", arg)
		}
		f, err := os.Open(arg)
		if err != nil {
			return "", nil, nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
		if err != nil {
			return "", nil, nil, fmt.Errorf("read %s: %w", arg, err)
		}
		if len(data) > MaxFileSize {
			return "", nil, nil, &Error{File: arg, Msg: fmt.Sprintf("file is larger than the %d-byte limit", MaxFileSize)}
		}
		return arg, data, nil, nil
	}
	n := path.Clean(strings.ReplaceAll(arg, "\\", "/"))
	n = strings.TrimPrefix(n, "scenarios/")
	n = strings.TrimSuffix(n, ".yaml")
	if !strings.HasPrefix(n, "testdata/") && !strings.HasPrefix(n, "../") && fs.ValidPath(n+".yaml") {
		for _, b := range Builtins() {
			if b == n {
				data, err := builtinFS.ReadFile(n + ".yaml")
				if err != nil {
					return "", nil, nil, err
				}
				return "scenarios/" + n + ".yaml", data, &includeFS{fsys: builtinFS, root: n + ".yaml", display: "scenarios/"}, nil
			}
		}
	}
	if near := nearestBuiltin(n); near != "" {
		return "", nil, nil, fmt.Errorf("%w: %q is not a file nor a built-in scenario; did you mean %q? (built-ins: %s)", ErrNotFound, arg, near, strings.Join(Builtins(), ", "))
	}
	return "", nil, nil, fmt.Errorf("%w: %q is not a file nor a built-in scenario (built-ins: %s)", ErrNotFound, arg, strings.Join(Builtins(), ", "))
}

// nearestBuiltin is the built-in a mistyped name most likely means: the one within edit
// distance 2 (the nearest, then the first by name), else the only one whose last path element
// is the name ("mm1" → "examples/mm1"); "" when none is near.
func nearestBuiltin(name string) string {
	best, bestD := "", 3
	var sameBase []string
	for _, b := range Builtins() {
		if d := editDistance(name, b); d < bestD || d == bestD && b < best {
			best, bestD = b, d
		}
		if path.Base(b) == name {
			sameBase = append(sameBase, b)
		}
	}
	if best == "" && len(sameBase) == 1 {
		best = sameBase[0]
	}
	return best
}
