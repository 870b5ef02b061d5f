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
// subfolder does not break the build. Builtins leaves testdata out.
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
			if p != "." && (strings.Count(p, "/") >= 1 || d.Name() == "testdata") {
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
	if arg == "" {
		return "", nil, fmt.Errorf("%w: empty name", ErrNotFound)
	}
	if st, err := os.Stat(arg); err == nil {
		if st.IsDir() {
			return "", nil, fmt.Errorf("%s is a directory, not a scenario file", arg)
		}
		f, err := os.Open(arg)
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %w", arg, err)
		}
		if len(data) > MaxFileSize {
			return "", nil, &Error{File: arg, Msg: fmt.Sprintf("file is larger than the %d-byte limit", MaxFileSize)}
		}
		return arg, data, nil
	}
	n := path.Clean(strings.ReplaceAll(arg, "\\", "/"))
	n = strings.TrimPrefix(n, "scenarios/")
	n = strings.TrimSuffix(n, ".yaml")
	if !strings.HasPrefix(n, "testdata/") && !strings.HasPrefix(n, "../") && fs.ValidPath(n+".yaml") {
		for _, b := range Builtins() {
			if b == n {
				data, err := builtinFS.ReadFile(n + ".yaml")
				if err != nil {
					return "", nil, err
				}
				return "scenarios/" + n + ".yaml", data, nil
			}
		}
	}
	return "", nil, fmt.Errorf("%w: %q is not a file nor a built-in scenario (built-ins: %s)", ErrNotFound, arg, strings.Join(Builtins(), ", "))
}
