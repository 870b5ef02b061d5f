package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print capsim's version: module version, VCS revision, Go version",
		Long: `Print capsim's module version and the VCS revision it was built from (from the build
information Go records in the binary; "+modified" when the work tree had uncommitted
changes), then the commit time and the Go version. result.json records the first line's
version as settings.version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "capsim %s\n", capsimVersion())
			if bi, ok := debug.ReadBuildInfo(); ok {
				fmt.Fprintf(w, "  module   %s\n", orStr(bi.Main.Path, "github.com/capsim/capsim"))
				if t := buildSetting(bi, "vcs.time"); t != "" {
					fmt.Fprintf(w, "  commit   %s\n", t)
				}
			}
			fmt.Fprintf(w, "  go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}

// revision is the VCS revision when Go recorded none (a build from a git worktree, or with
// -buildvcs=false): set with -ldflags "-X main.revision=$(git rev-parse HEAD)" (task build).
var revision string

// capsimVersion is the module version of this binary ("(devel)" for a build in the module's
// own tree, v1.2.3 for `go install …@v1.2.3`) and the VCS revision it was built from:
// "(devel) rev 3605661ab12c…" (the full hash), "+modified" for uncommitted changes.
func capsimVersion() string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(bi, ok, revision)
}

// versionOf formats the version from build information; rev is the fallback revision.
func versionOf(bi *debug.BuildInfo, ok bool, rev string) string {
	if !ok || bi == nil {
		bi = &debug.BuildInfo{}
	}
	v := orStr(bi.Main.Version, "(devel)")
	modified := false
	if r := buildSetting(bi, "vcs.revision"); r != "" {
		rev, modified = r, buildSetting(bi, "vcs.modified") == "true"
	}
	if rev != "" {
		v += " rev " + rev
		if modified {
			v += "+modified"
		}
	} else {
		v += " (no VCS revision recorded)"
	}
	return v
}

func buildSetting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
